using System.Runtime.CompilerServices;

namespace RealtimeMM.Preprocess;

/// <summary>
/// Where each output pixel samples the source: output pixel (x, y) has its center at source
/// coordinates <c>((x + 0.5) * ScaleX + OriginX, (y + 0.5) * ScaleY + OriginY)</c>. Computed once
/// per (source size, spec) in double and used as float by the shader, the C# reference and the
/// fast CPU path alike, so all three sample the same places.
/// </summary>
internal readonly record struct PreprocessGeometry(float ScaleX, float ScaleY, float OriginX, float OriginY, bool Letterbox)
{
    public static PreprocessGeometry For(int srcWidth, int srcHeight, PreprocessSpec spec)
    {
        double sx = (double)srcWidth / spec.Width, sy = (double)srcHeight / spec.Height;
        switch (spec.Fit)
        {
            case FitMode.CenterCrop:
            {
                double s = Math.Min(sx, sy);
                return new((float)s, (float)s, (float)((srcWidth - spec.Width * s) / 2), (float)((srcHeight - spec.Height * s) / 2), false);
            }
            case FitMode.Letterbox:
            {
                double s = Math.Max(sx, sy);
                // pad (in output pixels) = (out - src / s) / 2; source x = (x + 0.5 - pad) * s
                double padX = (spec.Width - srcWidth / s) / 2, padY = (spec.Height - srcHeight / s) / 2;
                return new((float)s, (float)s, (float)(-padX * s), (float)(-padY * s), true);
            }
            default:
                return new((float)sx, (float)sy, 0, 0, false);
        }
    }

    /// <summary>
    /// The source pixels one output coordinate reads along an axis (see <see cref="AxisTaps"/>).
    /// <paramref name="center"/> is the output pixel's center in source coordinates.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static AxisTaps Taps(float center, float scale, int size, bool area)
    {
        if (area && scale > 1f)
        {
            float a = Math.Clamp(center - scale * 0.5f, 0f, size), b = Math.Clamp(center + scale * 0.5f, 0f, size);
            int first = Math.Min((int)MathF.Floor(a), size - 1);
            int last = Math.Max(Math.Min((int)MathF.Ceiling(b) - 1, size - 1), first);
            return new AxisTaps(first, last, a, b, 0f, true);
        }
        float s = MathF.Max(center - 0.5f, 0f);
        int i0 = (int)s;
        float f = s - i0;
        if (i0 >= size - 1)
        {
            i0 = size - 1;
            f = 0f;
        }
        return new AxisTaps(i0, Math.Min(i0 + 1, size - 1), 0f, 0f, f, false);
    }
}

/// <summary>
/// Source pixels <c>First..Last</c> along one axis and their weights. Bilinear: two neighbours
/// weighted <c>1 - Frac</c> and <c>Frac</c> (one pixel at a clamped edge). Area (shrinking): every
/// pixel the footprint <c>[A, B)</c> overlaps, weighted by the overlap; the weights sum to <c>B - A</c>.
/// </summary>
internal readonly record struct AxisTaps(int First, int Last, float A, float B, float Frac, bool Area)
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Weight(int i) => Area ? MathF.Min(B, i + 1f) - MathF.Max(A, i) : i == First ? 1f - Frac : Frac;

    /// <summary>Sum of the weights.</summary>
    public float Total => Area ? B - A : 1f;
}
