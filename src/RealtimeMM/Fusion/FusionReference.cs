using System.Numerics;
using System.Runtime.CompilerServices;
using RealtimeMM.Bundle;

namespace RealtimeMM.Fusion;

/// <summary>
/// The cross-attention fusion in plain C#: the test oracle for the Vulkan kernels and the CPU path.
/// Per layer, question tokens attend to themselves (padding masked), then to the image tokens, then
/// pass an MLP (pre-LayerNorm, ReLU); the [CLS] state goes through the answer head. The image's
/// keys and values depend only on the frame, so <see cref="PrepareImage"/> computes them once for
/// every question about that frame. Only [CLS] is carried through the last layer's
/// cross-attention and MLP: no other row reaches the answer, so that layer needs no image keys or
/// values at all: one query row's scores are x_j . (W_k^T q) (the key bias adds the same to every
/// score, which the softmax drops) and its output W_v (sum_j a_j x_j) + b_v (the weights sum to 1).
/// That reads the image tokens twice per head instead of projecting all of them twice per frame:
/// the last layer's share of the frame's fusion work (half, with two layers) for a few more
/// multiply-adds per question.
/// </summary>
public sealed class FusionReference(FusionWeights weights)
{
    const float LayerNormEps = 1e-5f, MaskValue = -1e4f;

    public FusionWeights Weights { get; } = weights;

    /// <summary>
    /// A frame's image tokens projected to the cross-attention keys and values of every layer but the
    /// last, and the tokens themselves, which the last layer attends over directly.
    /// </summary>
    public sealed class ImageKeys
    {
        internal ImageKeys(int tokens, float[] states, float[][] k, float[][] v)
        {
            Tokens = tokens;
            States = states;
            K = k;
            V = v;
        }

        public int Tokens { get; }
        internal float[] States { get; }
        internal float[][] K { get; }
        internal float[][] V { get; }
    }

    /// <summary>
    /// Prepares image tokens (<paramref name="tokens"/> rows of Dim floats) for every question about
    /// the frame. <paramref name="reuse"/>: an earlier frame's keys no longer needed, overwritten in
    /// place when they have the same number of tokens (no allocation: a frame's keys are three
    /// large-object-heap arrays, which only a full collection frees); otherwise new ones are made.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // fully optimised from the first call: no tier-up pause mid-stream
    public ImageKeys PrepareImage(ReadOnlySpan<float> image, int tokens, ImageKeys? reuse = null)
    {
        int d = Weights.Dim, projected = Weights.Layers.Length - 1;
        if (image.Length < tokens * d)
            throw new ArgumentException($"image tokens hold {image.Length} floats, {tokens} x {d} needs {tokens * d}", nameof(image));
        var keys = reuse is not null && reuse.Tokens == tokens && reuse.States.Length == tokens * d && reuse.K.Length == projected
            ? reuse
            : new ImageKeys(tokens, new float[tokens * d], NewRows(projected, tokens * d), NewRows(projected, tokens * d));
        image[..(tokens * d)].CopyTo(keys.States);
        for (int l = 0; l < projected; l++)
        {
            ApplyRows(Weights.Layers[l].Ck, keys.States, tokens, keys.K[l]);
            ApplyRows(Weights.Layers[l].Cv, keys.States, tokens, keys.V[l]);
        }
        return keys;

        static float[][] NewRows(int count, int length)
        {
            var rows = new float[count][];
            for (int i = 0; i < count; i++)
                rows[i] = new float[length];
            return rows;
        }
    }

    /// <summary>
    /// Answers one question. <paramref name="text"/>: the text encoder's states (T rows of Dim);
    /// <paramref name="mask"/>: 1 for real tokens, 0 for padding. Writes the answer logits and, per
    /// layer and head, the [CLS] token's cross-attention over the image tokens
    /// (<paramref name="attention"/>: layers x heads x tokens).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run(ImageKeys image, ReadOnlySpan<float> text, ReadOnlySpan<float> mask, Span<float> logits, Span<float> attention)
    {
        var w = Weights;
        int d = w.Dim, heads = w.Heads, hd = d / heads, t = mask.Length, m = image.Tokens, layers = w.Layers.Length;
        if (text.Length < t * d)
            throw new ArgumentException($"text states hold {text.Length} floats, {t} x {d} needs {t * d}", nameof(text));
        if (logits.Length < w.Answers || attention.Length < layers * heads * m)
            throw new ArgumentException($"outputs need {w.Answers} logits and {layers * heads * m} attention values");
        // Padding never reaches a real token (it is masked as a key), so only the real tokens are
        // computed when they come first, as the tokenizer lays them out.
        int real = 0;
        while (real < t && mask[real] != 0)
            real++;
        bool prefix = true;
        for (int j = real; j < t; j++)
            prefix &= mask[j] == 0;
        if (prefix && real > 0)
            t = real;
        var x = text[..(t * d)].ToArray();
        var a = new float[t * d];
        var q = new float[t * d];
        var k = new float[t * d];
        var v = new float[t * d];
        var ctx = new float[t * d];
        var tmp = new float[Math.Max(d, w.FeedForward)];
        var scores = new float[Math.Max(t, m)];
        var absorbed = new float[d];
        float scale = 1f / MathF.Sqrt(hd);

        for (int l = 0; l < layers; l++)
        {
            var L = w.Layers[l];
            bool last = l == layers - 1;
            int rows = last ? 1 : t; // rows whose output is still needed after this layer's self-attention

            // self-attention over the question (keys: every token, padding masked)
            for (int i = 0; i < t; i++)
                LayerNorm(L.LnSelf, x.AsSpan(i * d, d), a.AsSpan(i * d, d));
            for (int i = 0; i < t; i++)
            {
                Apply(L.Sk, a.AsSpan(i * d, d), k.AsSpan(i * d, d));
                Apply(L.Sv, a.AsSpan(i * d, d), v.AsSpan(i * d, d));
            }
            for (int i = 0; i < rows; i++)
                Apply(L.Sq, a.AsSpan(i * d, d), q.AsSpan(i * d, d));
            for (int i = 0; i < rows; i++)
            {
                for (int h = 0; h < heads; h++)
                {
                    var qh = q.AsSpan(i * d + h * hd, hd);
                    for (int j = 0; j < t; j++)
                        scores[j] = Dot(qh, k.AsSpan(j * d + h * hd, hd)) * scale + (1f - mask[j]) * MaskValue;
                    Softmax(scores.AsSpan(0, t));
                    var outH = ctx.AsSpan(i * d + h * hd, hd);
                    outH.Clear();
                    for (int j = 0; j < t; j++)
                        Axpy(scores[j], v.AsSpan(j * d + h * hd, hd), outH);
                }
                Apply(L.So, ctx.AsSpan(i * d, d), tmp.AsSpan(0, d));
                Add(tmp.AsSpan(0, d), x.AsSpan(i * d, d));
            }

            // cross-attention: question rows over the image tokens
            for (int i = 0; i < rows; i++)
            {
                LayerNorm(L.LnCross, x.AsSpan(i * d, d), a.AsSpan(i * d, d));
                Apply(L.Cq, a.AsSpan(i * d, d), q.AsSpan(i * d, d));
                for (int h = 0; h < heads; h++)
                {
                    var qh = q.AsSpan(i * d + h * hd, hd);
                    var outH = ctx.AsSpan(i * d + h * hd, hd);
                    if (last)
                    {
                        CrossAttendTokens(L, h, hd, qh, image.States, m, scale, scores.AsSpan(0, m), absorbed, outH);
                    }
                    else
                    {
                        var kk = image.K[l];
                        for (int j = 0; j < m; j++)
                            scores[j] = Dot(qh, kk.AsSpan(j * d + h * hd, hd)) * scale;
                        Softmax(scores.AsSpan(0, m));
                        outH.Clear();
                        var vv = image.V[l];
                        for (int j = 0; j < m; j++)
                            Axpy(scores[j], vv.AsSpan(j * d + h * hd, hd), outH);
                    }
                    if (i == 0)
                        scores.AsSpan(0, m).CopyTo(attention.Slice((l * heads + h) * m, m));
                }
                Apply(L.Co, ctx.AsSpan(i * d, d), tmp.AsSpan(0, d));
                Add(tmp.AsSpan(0, d), x.AsSpan(i * d, d));

                // MLP
                LayerNorm(L.LnMlp, x.AsSpan(i * d, d), a.AsSpan(i * d, d));
                var hidden = tmp.AsSpan(0, w.FeedForward);
                Apply(L.Fc1, a.AsSpan(i * d, d), hidden);
                Relu(hidden);
                var back = new float[d];
                Apply(L.Fc2, hidden, back);
                Add(back, x.AsSpan(i * d, d));
            }
        }

        var cls = new float[d];
        LayerNorm(w.Final, x.AsSpan(0, d), cls);
        var h1 = new float[d];
        Apply(w.Head1, cls, h1);
        Relu(h1);
        Apply(w.Head2, h1, logits[..w.Answers]);
    }

    /// <summary>
    /// One head of the last layer's cross-attention for one query row <paramref name="qh"/>, over the
    /// image tokens <paramref name="states"/> themselves: the query taken back through the key
    /// weights (u = W_k,h^T q_h) scores each token, and the tokens' weighted sum goes through the value
    /// weights once. Leaves the attention weights in <paramref name="scores"/>; uses
    /// <paramref name="work"/> (Dim floats).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void CrossAttendTokens(FusionWeights.Layer layer, int h, int hd, ReadOnlySpan<float> qh, float[] states, int m, float scale,
                                  Span<float> scores, Span<float> work, Span<float> outH)
    {
        int d = work.Length;
        work.Clear();
        for (int c = 0; c < hd; c++)
            Axpy(qh[c], layer.Ck.W.AsSpan((h * hd + c) * d, d), work);
        for (int j = 0; j < m; j++)
            scores[j] = Dot(work, states.AsSpan(j * d, d)) * scale;
        Softmax(scores);
        work.Clear();
        for (int j = 0; j < m; j++)
            Axpy(scores[j], states.AsSpan(j * d, d), work);
        for (int c = 0; c < hd; c++)
            outH[c] = Dot(layer.Cv.W.AsSpan((h * hd + c) * d, d), work) + layer.Cv.B[h * hd + c];
    }

    /// <summary>
    /// <see cref="Apply"/> for many rows at once (the frame's keys and values: most of a frame's
    /// fusion work): four rows by two outputs per pass, so each loaded vector of weights or inputs
    /// feeds several multiply-adds. Same products as row by row; the sums are grouped the same way.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void ApplyRows(FusionWeights.Linear lin, ReadOnlySpan<float> x, int rows, Span<float> y)
    {
        int n = lin.In, w = Vector<float>.Count, r = 0;
        if (n % w != 0)
        {
            for (; r < rows; r++)
                Apply(lin, x.Slice(r * n, n), y.Slice(r * lin.Out, lin.Out));
            return;
        }
        for (; r + 4 <= rows; r += 4)
        {
            ReadOnlySpan<float> x0 = x.Slice(r * n, n), x1 = x.Slice((r + 1) * n, n), x2 = x.Slice((r + 2) * n, n), x3 = x.Slice((r + 3) * n, n);
            int o = 0;
            for (; o + 2 <= lin.Out; o += 2)
            {
                ReadOnlySpan<float> wa = lin.W.AsSpan(o * n, n), wb = lin.W.AsSpan((o + 1) * n, n);
                Vector<float> a0 = default, a1 = default, a2 = default, a3 = default, b0 = default, b1 = default, b2 = default, b3 = default;
                for (int i = 0; i < n; i += w)
                {
                    var va = new Vector<float>(wa[i..]);
                    var vb = new Vector<float>(wb[i..]);
                    var v0 = new Vector<float>(x0[i..]);
                    var v1 = new Vector<float>(x1[i..]);
                    var v2 = new Vector<float>(x2[i..]);
                    var v3 = new Vector<float>(x3[i..]);
                    a0 += va * v0; a1 += va * v1; a2 += va * v2; a3 += va * v3;
                    b0 += vb * v0; b1 += vb * v1; b2 += vb * v2; b3 += vb * v3;
                }
                float ba = lin.B[o], bb = lin.B[o + 1];
                y[r * lin.Out + o] = Vector.Sum(a0) + ba;
                y[(r + 1) * lin.Out + o] = Vector.Sum(a1) + ba;
                y[(r + 2) * lin.Out + o] = Vector.Sum(a2) + ba;
                y[(r + 3) * lin.Out + o] = Vector.Sum(a3) + ba;
                y[r * lin.Out + o + 1] = Vector.Sum(b0) + bb;
                y[(r + 1) * lin.Out + o + 1] = Vector.Sum(b1) + bb;
                y[(r + 2) * lin.Out + o + 1] = Vector.Sum(b2) + bb;
                y[(r + 3) * lin.Out + o + 1] = Vector.Sum(b3) + bb;
            }
            for (; o < lin.Out; o++)
                for (int k = 0; k < 4; k++)
                    y[(r + k) * lin.Out + o] = Dot(lin.W.AsSpan(o * n, n), x.Slice((r + k) * n, n)) + lin.B[o];
        }
        for (; r < rows; r++)
            Apply(lin, x.Slice(r * n, n), y.Slice(r * lin.Out, lin.Out));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Apply(FusionWeights.Linear lin, ReadOnlySpan<float> x, Span<float> y)
    {
        for (int o = 0; o < lin.Out; o++)
            y[o] = Dot(lin.W.AsSpan(o * lin.In, lin.In), x) + lin.B[o];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void LayerNorm(FusionWeights.Norm n, ReadOnlySpan<float> x, Span<float> y)
    {
        float mean = 0;
        for (int i = 0; i < x.Length; i++)
            mean += x[i];
        mean /= x.Length;
        float var = 0;
        for (int i = 0; i < x.Length; i++)
            var += (x[i] - mean) * (x[i] - mean);
        var /= x.Length;
        float inv = 1f / MathF.Sqrt(var + LayerNormEps);
        for (int i = 0; i < x.Length; i++)
            y[i] = (x[i] - mean) * inv * n.W[i] + n.B[i];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Softmax(Span<float> s)
    {
        float max = float.NegativeInfinity;
        foreach (float v in s)
            max = MathF.Max(max, v);
        float sum = 0;
        for (int i = 0; i < s.Length; i++)
        {
            s[i] = MathF.Exp(s[i] - max);
            sum += s[i];
        }
        float inv = 1f / sum;
        for (int i = 0; i < s.Length; i++)
            s[i] *= inv;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Relu(Span<float> s)
    {
        for (int i = 0; i < s.Length; i++)
            s[i] = MathF.Max(s[i], 0);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Add(ReadOnlySpan<float> src, Span<float> dst)
    {
        for (int i = 0; i < dst.Length; i++)
            dst[i] += src[i];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Axpy(float a, ReadOnlySpan<float> x, Span<float> y)
    {
        int i = 0, n = y.Length, w = Vector<float>.Count;
        var va = new Vector<float>(a);
        for (; i <= n - w; i += w)
            (new Vector<float>(y[i..]) + va * new Vector<float>(x[i..])).CopyTo(y[i..]);
        for (; i < n; i++)
            y[i] += a * x[i];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var acc = Vector<float>.Zero;
        int i = 0, n = a.Length, w = Vector<float>.Count;
        for (; i <= n - w; i += w)
            acc += new Vector<float>(a[i..]) * new Vector<float>(b[i..]);
        float s = Vector.Sum(acc);
        for (; i < n; i++)
            s += a[i] * b[i];
        return s;
    }
}
