using RealtimeMM.Frames;
using System.Numerics;
using System.Runtime.CompilerServices;
using RealtimeMM.Preprocess;

namespace RealtimeMM.Overlay;

/// <summary>
/// The plain C# reference of <c>shaders/overlay.comp</c>, one pixel at a time in the same order:
/// the test oracle for the Vulkan kernel and the fast CPU path.
/// </summary>
public static class OverlayReference
{
    /// <summary>Writes the blended frame as tightly packed BGR24 (<c>Width * 3</c> bytes a row) into <paramref name="output"/>.</summary>
    public static void Render(ImageView frame, ReadOnlySpan<float> grid, int gridWidth, int gridHeight, OverlaySpec spec, Span<byte> output)
    {
        spec.Validate();
        frame.Validate();
        var values = new float[gridWidth * gridHeight];
        AttentionGrid.Prepare(grid, gridWidth, gridHeight, spec.Normalize, values);
        CheckOutput(frame, output);
        float sx = (float)gridWidth / frame.Width, sy = (float)gridHeight / frame.Height;
        for (int y = 0; y < frame.Height; y++)
            for (int x = 0; x < frame.Width; x++)
                Pixel(frame, values, gridWidth, gridHeight, sx, sy, spec, x, y, output.Slice((y * frame.Width + x) * 3, 3));
    }

    internal static void CheckOutput(ImageView frame, Span<byte> output)
    {
        if (output.Length < frame.Width * frame.Height * 3)
            throw new ArgumentException($"output holds {output.Length} bytes, a {frame.Width}x{frame.Height} BGR24 frame needs {frame.Width * frame.Height * 3}", nameof(output));
    }

    /// <summary>One output pixel: bilinear sample of the grid, colormap, blend, round.</summary>
    internal static void Pixel(ImageView frame, float[] values, int gw, int gh, float sx, float sy, OverlaySpec spec, int x, int y, Span<byte> bgr)
    {
        var tx = PreprocessGeometry.Taps((x + 0.5f) * sx, sx, gw, area: false);
        var ty = PreprocessGeometry.Taps((y + 0.5f) * sy, sy, gh, area: false);
        Blend(frame.Pixels, y * frame.Stride + x * 3, values, gw, tx, ty, spec, bgr);
    }

    /// <summary>One pixel (at <paramref name="p"/> in <paramref name="px"/>) given its grid taps: the heat sampled bilinearly, colored, blended.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Blend(ReadOnlySpan<byte> px, int p, float[] values, int gw, AxisTaps tx, AxisTaps ty, OverlaySpec spec, Span<byte> bgr)
    {
        float top = values[ty.First * gw + tx.First] * (1f - tx.Frac) + values[ty.First * gw + tx.Last] * tx.Frac;
        float bottom = values[ty.Last * gw + tx.First] * (1f - tx.Frac) + values[ty.Last * gw + tx.Last] * tx.Frac;
        float v = top * (1f - ty.Frac) + bottom * ty.Frac;
        Vector3 heat = Colormaps.Evaluate(spec.Colormap, v) * 255f;
        float a = spec.Alpha * v;
        bgr[0] = Round(px[p] * (1f - a) + heat.Z * a);
        bgr[1] = Round(px[p + 1] * (1f - a) + heat.Y * a);
        bgr[2] = Round(px[p + 2] * (1f - a) + heat.X * a);
    }

    internal static byte Round(float v) => (byte)Math.Clamp((int)MathF.Floor(v + 0.5f), 0, 255);
}
