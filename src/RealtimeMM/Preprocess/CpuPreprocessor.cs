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
        int w = Spec.Width, h = Spec.Height;
        fixed (byte* src = image.Pixels)
        fixed (float* dst = output)
        fixed (float* rowsPtr = rows)
        {
            var job = new Job(this, src, image.Stride, dst, rowsPtr);
            // Rows are split across cores only when there is enough work to pay for it.
            if ((long)srcHeight * w < 150_000)
            {
                for (int j = 0; j < srcHeight; j++)
                    job.Horizontal(j);
                for (int y = 0; y < h; y++)
                    job.Vertical(y);
            }
            else
            {
                Parallel.For(0, srcHeight, job.Horizontal);
                Parallel.For(0, h, job.Vertical);
            }
        }
    }

    /// <summary>One frame's passes over pinned memory (a class so Parallel.For can call its methods).</summary>
    sealed unsafe class Job(CpuPreprocessor p, byte* src, int stride, float* dst, float* rows)
    {
        readonly int w = p.Spec.Width, plane = p.Spec.Width * p.Spec.Height;
        readonly float ir = 1f / p.Spec.Std.X / 255f, ig = 1f / p.Spec.Std.Y / 255f, ib = 1f / p.Spec.Std.Z / 255f;
        readonly float mr = p.Spec.Mean.X / p.Spec.Std.X, mg = p.Spec.Mean.Y / p.Spec.Std.Y, mb = p.Spec.Mean.Z / p.Spec.Std.Z;

        /// <summary>Filters source row <paramref name="j"/> horizontally, if any output row reads it.</summary>
        public void Horizontal(int j)
        {
            int slot = p.rowSlot[j];
            if (slot < 0)
                return;
            float* row = rows + (long)slot * w * 3;
            byte* line = src + (long)j * stride;
            int taps = p.xStride;
            fixed (int* first = p.xFirst, count = p.xCount)
            fixed (float* weights = p.xWeights)
            {
                for (int x = 0; x < w; x++)
                {
                    float r = 0, g = 0, b = 0;
                    byte* px = line + first[x] * 3;
                    float* wt = weights + x * taps;
                    for (int t = 0, n = count[x]; t < n; t++, px += 3)
                    {
                        b += wt[t] * px[0];
                        g += wt[t] * px[1];
                        r += wt[t] * px[2];
                    }
                    row[x * 3] = r;
                    row[x * 3 + 1] = g;
                    row[x * 3 + 2] = b;
                }
            }
        }

        /// <summary>Combines the filtered rows for output row <paramref name="y"/> and normalises.</summary>
        public void Vertical(int y)
        {
            float* outR = dst + y * w, outG = outR + plane, outB = outG + plane;
            if (!p.yInside[y])
            {
                new Span<float>(outR, w).Clear();
                new Span<float>(outG, w).Clear();
                new Span<float>(outB, w).Clear();
                return;
            }
            int n = p.yCount[y], first = p.yFirst[y];
            fixed (float* wy = &p.yWeights[y * p.yStride])
            fixed (bool* inside = p.xInside)
            {
                for (int x = 0; x < w; x++)
                {
                    if (!inside[x])
                    {
                        outR[x] = outG[x] = outB[x] = 0f;
                        continue;
                    }
                    float r = 0, g = 0, b = 0;
                    for (int t = 0; t < n; t++)
                    {
                        float* at = rows + ((long)p.rowSlot[first + t] * w + x) * 3;
                        r += wy[t] * at[0];
                        g += wy[t] * at[1];
                        b += wy[t] * at[2];
                    }
                    outR[x] = r * ir - mr;
                    outG[x] = g * ig - mg;
                    outB[x] = b * ib - mb;
                }
            }
        }
    }

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
