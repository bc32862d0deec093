using RealtimeMM.Frames;
using RealtimeMM.Preprocess;

namespace RealtimeMM.Overlay;

/// <summary>The CPU path: the reference's per-pixel arithmetic, rows split across cores.</summary>
public sealed class CpuOverlayRenderer : IOverlayRenderer
{
    float[] values = [];

    public CpuOverlayRenderer(OverlaySpec spec)
    {
        spec.Validate();
        Spec = spec;
    }

    public OverlaySpec Spec { get; }
    public string Device => "cpu";

    public unsafe void Render(ImageView frame, ReadOnlySpan<float> grid, int gridWidth, int gridHeight, Span<byte> output)
    {
        frame.Validate();
        if (values.Length < gridWidth * gridHeight)
            values = new float[gridWidth * gridHeight];
        AttentionGrid.Prepare(grid, gridWidth, gridHeight, Spec.Normalize, values);
        OverlayReference.CheckOutput(frame, output);
        float sx = (float)gridWidth / frame.Width, sy = (float)gridHeight / frame.Height;
        int w = frame.Width, h = frame.Height, stride = frame.Stride;
        var spec = Spec;
        var v = values;
        fixed (byte* src = frame.Pixels)
        fixed (byte* dst = output)
        {
            byte* s = src, d = dst;
            int length = frame.Pixels.Length, outLength = output.Length;
            Parallel.For(0, h, new ParallelOptions { MaxDegreeOfParallelism = (long)w * h < 50_000 ? 1 : Environment.ProcessorCount }, y =>
            {
                var view = new ImageView(new ReadOnlySpan<byte>(s, length), w, h, stride);
                var outRow = new Span<byte>(d + (long)y * w * 3, w * 3);
                for (int x = 0; x < w; x++)
                    OverlayReference.Pixel(view, v, gridWidth, gridHeight, sx, sy, spec, x, y, outRow.Slice(x * 3, 3));
            });
        }
    }

    public void Dispose()
    {
    }
}
