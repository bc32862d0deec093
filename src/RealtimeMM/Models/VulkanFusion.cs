using System.Runtime.InteropServices;
using RealtimeMM.Gpu;
using RealtimeMM.Gpu.Backend;
using Silk.NET.Vulkan;

namespace RealtimeMM.Models;

/// <summary>
/// The fusion on Vulkan: the same layers as <see cref="FusionReference"/> as a chain of compute
/// dispatches (<c>shaders/fusion_*.comp</c>) in one command buffer, for several questions about one
/// frame at once. All weights live in one buffer uploaded at construction; activations in one work
/// buffer sized for <c>maxQuestions</c>. Does not take ownership of the <see cref="VulkanDevice"/>:
/// keep it alive until this is disposed.
/// </summary>
public sealed unsafe class VulkanFusion : IDisposable
{
    [StructLayout(LayoutKind.Sequential)]
    struct LinearPush { public int Rows, In, Out, Flags, X, Y, Weight, Bias, XStride, YStride, Pad0, Pad1; }

    [StructLayout(LayoutKind.Sequential)]
    struct NormPush { public int Rows, Dim, X, Y, Weight, Bias, XStride, YStride; }

    [StructLayout(LayoutKind.Sequential)]
    struct AttentionPush
    {
        public int Rows, Keys, Heads, HeadDim, Q, K, Val, Out, KeysShared, Mask, ClsOut, ClsStride;
        public float Scale;
        public int Dim, Pad0, Pad1;
    }

    sealed record LinearAt(int W, int B, int In, int Out);
    sealed record NormAt(int W, int B);
    sealed record LayerAt(NormAt LnSelf, LinearAt Sq, LinearAt Sk, LinearAt Sv, LinearAt So, NormAt LnCross, LinearAt Cq, LinearAt Ck, LinearAt Cv, LinearAt Co, NormAt LnMlp, LinearAt Fc1, LinearAt Fc2);

    readonly VulkanDevice device;
    readonly FusionWeights weights;
    readonly int imageTokens, maxTokens, maxQuestions, d, heads, ff, answers, layers;
    readonly ComputePipeline linear, norm, attention;
    readonly CommandRing ring;
    readonly GpuBuffer weightBuffer, work, results;
    readonly DescriptorSet linearSet, normSet, attentionSet;
    readonly LayerAt[] layerAt;
    readonly NormAt finalAt;
    readonly LinearAt head1At, head2At;
    // work buffer regions (float offsets)
    readonly int image, x, a, q, k, v, ctx, hidden, mask, cls, h1, logits, attn;
    readonly int[] keys, values;
    bool disposed;

    public VulkanFusion(VulkanDevice device, FusionWeights weights, int imageTokens, int maxTokens, int maxQuestions = 8)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(weights);
        if (imageTokens is < 1 or > 1024)
            throw new ArgumentOutOfRangeException(nameof(imageTokens), imageTokens, "the attention kernel takes 1..1024 image tokens");
        if (maxTokens is < 1 or > 1024 || maxQuestions < 1)
            throw new ArgumentOutOfRangeException(nameof(maxTokens), $"max tokens {maxTokens} and questions {maxQuestions} must be positive (tokens ≤ 1024)");
        this.device = device;
        this.weights = weights;
        this.imageTokens = imageTokens;
        this.maxTokens = maxTokens;
        this.maxQuestions = maxQuestions;
        d = weights.Dim;
        heads = weights.Heads;
        ff = weights.FeedForward;
        answers = weights.Answers;
        layers = weights.Layers.Length;

        // pack every weight into one buffer
        var packed = new List<float>();
        int Put(float[] data)
        {
            int at = packed.Count;
            packed.AddRange(data);
            return at;
        }
        LinearAt Lin(FusionWeights.Linear l) => new(Put(l.W), Put(l.B), l.In, l.Out);
        NormAt Ln(FusionWeights.Norm n) => new(Put(n.W), Put(n.B));
        layerAt = weights.Layers.Select(l => new LayerAt(Ln(l.LnSelf), Lin(l.Sq), Lin(l.Sk), Lin(l.Sv), Lin(l.So), Ln(l.LnCross), Lin(l.Cq), Lin(l.Ck), Lin(l.Cv), Lin(l.Co), Ln(l.LnMlp), Lin(l.Fc1), Lin(l.Fc2))).ToArray();
        finalAt = Ln(weights.Final);
        head1At = Lin(weights.Head1);
        head2At = Lin(weights.Head2);

        // lay out the work buffer
        int size = 0;
        int Region(int floats)
        {
            int at = size;
            size += floats;
            return at;
        }
        int rows = maxQuestions * maxTokens;
        image = Region(imageTokens * d);
        keys = Enumerable.Range(0, layers).Select(_ => Region(imageTokens * d)).ToArray();
        values = Enumerable.Range(0, layers).Select(_ => Region(imageTokens * d)).ToArray();
        x = Region(rows * d);
        a = Region(rows * d);
        q = Region(rows * d);
        k = Region(rows * d);
        v = Region(rows * d);
        ctx = Region(rows * d);
        hidden = Region(rows * ff);
        mask = Region(rows);
        cls = Region(maxQuestions * d);
        h1 = Region(maxQuestions * d);
        logits = Region(maxQuestions * answers);
        attn = Region(maxQuestions * layers * heads * imageTokens);

        try
        {
            linear = new ComputePipeline(device, "fusion_linear", 2, (uint)sizeof(LinearPush), 1);
            norm = new ComputePipeline(device, "fusion_layernorm", 2, (uint)sizeof(NormPush), 1);
            attention = new ComputePipeline(device, "fusion_attention", 2, (uint)sizeof(AttentionPush), 1);
            ring = new CommandRing(device, 1);
            weightBuffer = device.CreateBuffer((ulong)packed.Count * 4, VulkanDevice.BufferUse.Upload);
            CollectionsMarshal.AsSpan(packed).CopyTo(weightBuffer.AsSpan<float>(packed.Count));
            weightBuffer.Flush();
            // the activations live in device memory where there is mappable device memory; what the host
            // reads (logits and attention maps) is copied to host memory at the end of the run
            work = device.CreateBuffer((ulong)size * 4, VulkanDevice.BufferUse.Upload);
            results = device.CreateBuffer((ulong)(maxQuestions * answers + maxQuestions * layers * heads * imageTokens) * 4, VulkanDevice.BufferUse.Readback);
            linearSet = linear.AllocateSet(weightBuffer, work);
            normSet = norm.AllocateSet(weightBuffer, work);
            attentionSet = attention.AllocateSet(weightBuffer, work);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public int MaxQuestions => maxQuestions;

    /// <summary>GPU time of the last <see cref="Run"/> in milliseconds (NaN without timestamps).</summary>
    public double LastKernelMs { get; private set; }

    /// <summary>
    /// Answers several questions about one frame in one submission. <paramref name="image"/>: the
    /// image tokens (imageTokens x Dim); each question: text states (maxTokens x Dim) and mask (1 real
    /// token, 0 padding). Writes per question <c>Answers</c> logits and layers x heads x imageTokens
    /// [CLS] attention weights, question after question.
    /// </summary>
    public void Run(ReadOnlySpan<float> image, IReadOnlyList<(float[] States, float[] Mask)> questions, Span<float> logitsOut, Span<float> attentionOut)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        int n = questions.Count;
        if (n < 1 || n > maxQuestions)
            throw new ArgumentOutOfRangeException(nameof(questions), n, $"1..{maxQuestions} questions per run");
        if (image.Length < imageTokens * d)
            throw new ArgumentException($"image tokens hold {image.Length} floats, {imageTokens} x {d} needs {imageTokens * d}", nameof(image));
        int mapSize = layers * heads * imageTokens;
        if (logitsOut.Length < n * answers || attentionOut.Length < n * mapSize)
            throw new ArgumentException($"outputs need {n * answers} logits and {n * mapSize} attention values");

        var cmd = ring.Begin(0);
        var buf = work.AsSpan<float>((int)(work.Size / 4));
        image[..(imageTokens * d)].CopyTo(buf.Slice(this.image, imageTokens * d));
        for (int i = 0; i < n; i++)
        {
            var (states, m) = questions[i];
            if (states.Length < maxTokens * d || m.Length < maxTokens)
                throw new ArgumentException($"question {i}: states need {maxTokens} x {d} floats and the mask {maxTokens}");
            states.AsSpan(0, maxTokens * d).CopyTo(buf.Slice(x + i * maxTokens * d, maxTokens * d));
            m.AsSpan(0, maxTokens).CopyTo(buf.Slice(mask + i * maxTokens, maxTokens));
        }
        work.Flush();
        Barriers.ToCompute(device, cmd, includeHost: true);

        int rows = n * maxTokens;
        for (int l = 0; l < layers; l++)
        {
            Linear(cmd, layerAt[l].Ck, imageTokens, this.image, keys[l]);
            Linear(cmd, layerAt[l].Cv, imageTokens, this.image, values[l]);
        }
        Barrier(cmd);
        for (int l = 0; l < layers; l++)
        {
            var L = layerAt[l];
            Norm(cmd, L.LnSelf, rows, x, a, d, d);
            Barrier(cmd);
            Linear(cmd, L.Sq, rows, a, q);
            Linear(cmd, L.Sk, rows, a, k);
            Linear(cmd, L.Sv, rows, a, v);
            Barrier(cmd);
            Attention(cmd, n, maxTokens, maxTokens, shared: false, q, k, v, ctx, mask, clsOut: -1);
            Barrier(cmd);
            Linear(cmd, L.So, rows, ctx, x, accumulate: true);
            Barrier(cmd);
            Norm(cmd, L.LnCross, rows, x, a, d, d);
            Barrier(cmd);
            Linear(cmd, L.Cq, rows, a, q);
            Barrier(cmd);
            Attention(cmd, n, maxTokens, imageTokens, shared: true, q, keys[l], values[l], ctx, -1, clsOut: attn + l * heads * imageTokens);
            Barrier(cmd);
            Linear(cmd, L.Co, rows, ctx, x, accumulate: true);
            Barrier(cmd);
            Norm(cmd, L.LnMlp, rows, x, a, d, d);
            Barrier(cmd);
            Linear(cmd, L.Fc1, rows, a, hidden, relu: true);
            Barrier(cmd);
            Linear(cmd, L.Fc2, rows, hidden, x, accumulate: true);
            Barrier(cmd);
        }
        Norm(cmd, finalAt, n, x, cls, maxTokens * d, d); // the [CLS] row of each question
        Barrier(cmd);
        Linear(cmd, head1At, n, cls, h1, relu: true);
        Barrier(cmd);
        Linear(cmd, head2At, n, h1, logits);
        int logitFloats = n * answers, logitSlots = maxQuestions * answers;
        Barriers.CopyToHost(device, cmd, work, results, [
            new BufferCopy(srcOffset: (ulong)logits * 4, dstOffset: 0, size: (ulong)logitFloats * 4),
            new BufferCopy(srcOffset: (ulong)attn * 4, dstOffset: (ulong)logitSlots * 4, size: (ulong)(n * mapSize) * 4)]);
        ring.Submit(0);
        ring.Wait(0);
        LastKernelMs = ring.GpuMilliseconds(0);
        results.Invalidate();
        var read = results.AsSpan<float>(logitSlots + n * mapSize);
        read[..logitFloats].CopyTo(logitsOut);
        // stored per question as layers x heads x tokens already
        read.Slice(logitSlots, n * mapSize).CopyTo(attentionOut);
    }

    void Barrier(CommandBuffer cmd) => Barriers.ToCompute(device, cmd);

    void Linear(CommandBuffer cmd, LinearAt l, int rows, int from, int to, bool relu = false, bool accumulate = false)
    {
        var p = new LinearPush
        {
            Rows = rows, In = l.In, Out = l.Out, Flags = (relu ? 1 : 0) | (accumulate ? 2 : 0),
            X = from, Y = to, Weight = l.W, Bias = l.B, XStride = l.In, YStride = l.Out,
        };
        linear.Dispatch(cmd, linearSet, &p, (uint)sizeof(LinearPush), (uint)((rows * l.Out + 7) / 8)); // 8 outputs per workgroup
    }

    void Norm(CommandBuffer cmd, NormAt ln, int rows, int from, int to, int fromStride, int toStride)
    {
        var p = new NormPush { Rows = rows, Dim = d, X = from, Y = to, Weight = ln.W, Bias = ln.B, XStride = fromStride, YStride = toStride };
        norm.Dispatch(cmd, normSet, &p, (uint)sizeof(NormPush), (uint)rows);
    }

    void Attention(CommandBuffer cmd, int questions, int rows, int keyCount, bool shared, int qAt, int kAt, int vAt, int outAt, int maskAt, int clsOut)
    {
        var p = new AttentionPush
        {
            Rows = rows, Keys = keyCount, Heads = heads, HeadDim = d / heads, Q = qAt, K = kAt, Val = vAt, Out = outAt,
            KeysShared = shared ? 1 : 0, Mask = maskAt, ClsOut = clsOut, ClsStride = layers * heads * imageTokens,
            Scale = 1f / MathF.Sqrt(d / heads), Dim = d,
        };
        attention.Dispatch(cmd, attentionSet, &p, (uint)sizeof(AttentionPush), (uint)rows, (uint)heads, (uint)questions);
    }

    public void Dispose()
    {
        if (disposed)
            return;
        disposed = true;
        ring?.Dispose();
        work?.Dispose();
        results?.Dispose();
        weightBuffer?.Dispose();
        linear?.Dispose();
        norm?.Dispose();
        attention?.Dispose();
    }
}
