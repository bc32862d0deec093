using RealtimeMM.Frames;
using RealtimeMM.Preprocess;

namespace RealtimeMM.Overlay;

/// <summary>The CPU path: the reference's per-pixel arithmetic; frames of 400,000 pixels or more have their rows split across cores.</summary>
public sealed class CpuOverlayRenderer : IOverlayRenderer
{
    /// <summary>
    /// Frames up to this size are drawn on the calling thread: a live pipeline keeps both cores of a small machine busy
    /// (the encoders' threads, the capture thread), and a second row worker the OS schedules late held a 320x240 frame's
    /// 2-4 ms of drawing to ~18 ms in the demo.
    /// </summary>
    const long SerialPixels = 400_000;

    float[] values = [];
    AxisTaps[] columnTaps = [];

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
        // each column's grid taps once per frame, each row's once per row; per pixel the reference's arithmetic
        if (columnTaps.Length < w)
            columnTaps = new AxisTaps[w];
        for (int x = 0; x < w; x++)
            columnTaps[x] = PreprocessGeometry.Taps((x + 0.5f) * sx, sx, gridWidth, area: false);
        var tx = columnTaps;
        fixed (byte* src = frame.Pixels)
        fixed (byte* dst = output)
        {
            byte* s = src, d = dst;
            int length = frame.Pixels.Length;
            Parallel.For(0, h, new ParallelOptions { MaxDegreeOfParallelism = (long)w * h < SerialPixels ? 1 : Environment.ProcessorCount }, y =>
            {
                var px = new ReadOnlySpan<byte>(s, length);
                var outRow = new Span<byte>(d + (long)y * w * 3, w * 3);
                var ty = PreprocessGeometry.Taps((y + 0.5f) * sy, sy, gridHeight, area: false);
                for (int x = 0; x < w; x++)
                    OverlayReference.Blend(px, y * stride + x * 3, v, gridWidth, tx[x], ty, spec, outRow.Slice(x * 3, 3));
            });
        }
    }

    public void Dispose()
    {
    }
}
