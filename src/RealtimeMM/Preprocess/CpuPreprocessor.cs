using RealtimeMM.Frames;
using System.Runtime.InteropServices;

namespace RealtimeMM.Preprocess;

/// <summary>
/// The fast CPU path, for machines without a real GPU (lavapipe proves correctness, not speed).
/// The same sampling as the reference, done separably: per source resolution it builds tap tables
/// once; per frame a horizontal pass filters only the source rows some output row reads, then a
/// vertical pass combines them and normalises. Rows are split across cores.
/// </summary>
public sealed class CpuPreprocessor : IPreprocessor
{
    int srcWidth, srcHeight;
    // per output column / row: first tap, tap count, weights (stride = max taps), already divided by the axis total
    int[] xFirst = [], xCount = [], yFirst = [], yCount = [];
    float[] xWeights = [], yWeights = [];
    int xStride, yStride;
    bool[] xInside = [], yInside = [];
    int[] rowSlot = [];        // source row -> slot in 'rows', or -1 if no output row reads it
    float[] rows = [];         // horizontally filtered rows: [slot][x][rgb]
    float[] scratch = [];      // float32 staging for float16 output

    public CpuPreprocessor(PreprocessSpec spec)
    {
        spec.Validate();
        Spec = spec;
    }

    public PreprocessSpec Spec { get; }
    public string Device => "cpu";
    public int Reconfigurations { get; private set; }

    public void Run(ImageView image, Span<Half> output)
    {
        if (Spec.Element != TensorElement.Float16)
            throw new InvalidOperationException($"the spec asks for {Spec.Element} output; pass a Span<float>");
        CheckOutput(output.Length);
        if (scratch.Length != Spec.OutputLength)
            scratch = new float[Spec.OutputLength];
        RunFloat(image, scratch);
        for (int i = 0; i < scratch.Length; i++)
            output[i] = (Half)scratch[i];
    }

    public void Run(ImageView image, Span<float> output)
    {
        if (Spec.Element != TensorElement.Float32)
            throw new InvalidOperationException($"the spec asks for {Spec.Element} output; pass a Span<Half>");
        CheckOutput(output.Length);
        RunFloat(image, output);
    }

    void CheckOutput(int length)
    {
        if (length < Spec.OutputLength)
            throw new ArgumentException($"output holds {length} elements, {Spec.Width}x{Spec.Height}x3 needs {Spec.OutputLength}", "output");
    }

    unsafe void RunFloat(ImageView image, Span<float> output)
    {
        image.Validate();
        if (image.Width != srcWidth || image.Height != srcHeight)
            Configure(image.Width, image.Height);
        int w = Spec.Width, h = Spec.Height, stride = image.Stride;
        fixed (byte* src = image.Pixels)
        fixed (float* dst = output)
        {
            byte* s = src;
            float* d = dst;
            // horizontal: each needed source row once
            Parallel.For(0, srcHeight, ParallelOptionsFor(srcHeight * w), j =>
            {
                int slot = rowSlot[j];
                if (slot < 0)
                    return;
                var row = rows.AsSpan(slot * w * 3, w * 3);
                byte* line = s + (long)j * stride;
                for (int x = 0; x < w; x++)
                {
                    float r = 0, g = 0, b = 0;
                    int first = xFirst[x], n = xCount[x];
                    for (int t = 0; t < n; t++)
                    {
                        float wt = xWeights[x * xStride + t];
                        byte* p = line + (first + t) * 3;
                        b += wt * p[0];
                        g += wt * p[1];
                        r += wt * p[2];
                    }
                    row[x * 3] = r;
                    row[x * 3 + 1] = g;
                    row[x * 3 + 2] = b;
                }
            });
            // vertical and normalise
            float mr = Spec.Mean.X, mg = Spec.Mean.Y, mb = Spec.Mean.Z;
            float ir = 1f / Spec.Std.X / 255f, ig = 1f / Spec.Std.Y / 255f, ib = 1f / Spec.Std.Z / 255f;
            float sr = 1f / Spec.Std.X, sg = 1f / Spec.Std.Y, sb = 1f / Spec.Std.Z;
            int plane = w * h;
            Parallel.For(0, h, ParallelOptionsFor(h * w), y =>
            {
                for (int x = 0; x < w; x++)
                {
                    int o = y * w + x;
                    if (!yInside[y] || !xInside[x])
                    {
                        d[o] = d[o + plane] = d[o + 2 * plane] = 0f;
                        continue;
                    }
                    float r = 0, g = 0, b = 0;
                    int first = yFirst[y], n = yCount[y];
                    for (int t = 0; t < n; t++)
                    {
                        float wt = yWeights[y * yStride + t];
                        int at = (rowSlot[first + t] * w + x) * 3;
                        r += wt * rows[at];
                        g += wt * rows[at + 1];
                        b += wt * rows[at + 2];
                    }
                    d[o] = r * ir - mr * sr;
                    d[o + plane] = g * ig - mg * sg;
                    d[o + 2 * plane] = b * ib - mb * sb;
                }
            });
        }
    }

    static ParallelOptions ParallelOptionsFor(long work) => new() { MaxDegreeOfParallelism = work < 20_000 ? 1 : Environment.ProcessorCount };

    /// <summary>Tap tables and row buffers for one source resolution: the only allocations.</summary>
    void Configure(int width, int height)
    {
        var g = PreprocessGeometry.For(width, height, Spec);
        bool area = Spec.Filter == ResizeFilter.Area;
        (xFirst, xCount, xWeights, xStride, xInside) = Axis(Spec.Width, width, g.ScaleX, g.OriginX, area, g.Letterbox);
        (yFirst, yCount, yWeights, yStride, yInside) = Axis(Spec.Height, height, g.ScaleY, g.OriginY, area, g.Letterbox);
        rowSlot = new int[height];
        Array.Fill(rowSlot, -1);
        int slots = 0;
        for (int y = 0; y < Spec.Height; y++)
            if (yInside[y])
                for (int t = 0; t < yCount[y]; t++)
                    if (rowSlot[yFirst[y] + t] < 0)
                        rowSlot[yFirst[y] + t] = slots++;
        rows = new float[Math.Max(slots, 1) * Spec.Width * 3];
        if (srcWidth != 0)
            Reconfigurations++;
        (srcWidth, srcHeight) = (width, height);
    }

    static (int[] First, int[] Count, float[] Weights, int Stride, bool[] Inside) Axis(int outSize, int srcSize, float scale, float origin, bool area, bool letterbox)
    {
        var taps = new AxisTaps[outSize];
        var inside = new bool[outSize];
        for (int i = 0; i < outSize; i++)
        {
            float c = (i + 0.5f) * scale + origin;
            inside[i] = !letterbox || (c >= 0f && c < srcSize);
            taps[i] = PreprocessGeometry.Taps(inside[i] ? c : 0.5f, scale, srcSize, area);
        }
        int stride = taps.Max(t => t.Last - t.First + 1);
        var first = new int[outSize];
        var count = new int[outSize];
        var weights = new float[outSize * stride];
        for (int i = 0; i < outSize; i++)
        {
            var t = taps[i];
            first[i] = t.First;
            count[i] = t.Last - t.First + 1;
            for (int k = 0; k < count[i]; k++)
                weights[i * stride + k] = t.Weight(t.First + k) / t.Total;
        }
        return (first, count, weights, stride, inside);
    }

    public void Dispose()
    {
    }
}
