using OpenCvSharp;

namespace RealtimeMM.Scenes.TestWorld;

/// <summary>
/// The test world's object colors: drawn uniformly from the whole sRGB cube and kept when they fall
/// well inside the named color's CIELAB region (the world's definition, <see cref="ColorRegions"/>),
/// and still do when shaded 12% darker or lighter, so every shade the renderer paints carries its label.
/// The training generator draws near each region's prototype instead; this covers the region.
/// </summary>
internal static class TestColors
{
    /// <summary>A BGR color of region <paramref name="index"/> (SceneWorld.Colors order).</summary>
    public static Scalar Sample(int index, Random rng)
    {
        for (int attempt = 0; attempt < 20000; attempt++)
        {
            byte r = (byte)rng.Next(256), g = (byte)rng.Next(256), b = (byte)rng.Next(256);
            if (Inside(index, r, g, b, 1) && Inside(index, r, g, b, 0.88f) && Inside(index, r, g, b, 1.12f))
                return new Scalar(b, g, r);
        }
        throw new InvalidOperationException($"no color of region '{SceneWorld.Colors[index]}' found");
    }

    static bool Inside(int index, byte r, byte g, byte b, float scale)
    {
        static byte S(byte v, float s) => (byte)Math.Clamp((int)MathF.Round(v * s), 0, 255);
        var (got, ratio) = ColorRegions.Classify(S(r, scale), S(g, scale), S(b, scale));
        return got == index && ratio < 0.66f;
    }

    /// <summary>CIE76 ΔE between two BGR colors.</summary>
    public static float Distance(Scalar a, Scalar b) => ColorRegions.Distance(Rgb(a), Rgb(b));

    static (byte, byte, byte) Rgb(Scalar c) => ((byte)Math.Clamp(c.Val2, 0, 255), (byte)Math.Clamp(c.Val1, 0, 255), (byte)Math.Clamp(c.Val0, 0, 255));
}
