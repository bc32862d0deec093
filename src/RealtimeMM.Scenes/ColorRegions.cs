using System.Numerics;

namespace RealtimeMM.Scenes;

/// <summary>
/// The eleven basic colors as regions of CIELAB: each color owns the points nearer to its
/// prototype than to any other (a Voronoi cell). Samples are drawn near a prototype and kept only
/// when clearly inside their cell (distance ratio to the runner-up below <see cref="BorderRatio"/>),
/// so no label sits on a border.
/// </summary>
internal static class ColorRegions
{
    /// <summary>Nearest/second-nearest prototype distance above which a sample counts as near a border.</summary>
    public const float BorderRatio = 0.72f;

    // sRGB prototypes, one per SceneWorld.Colors entry, in that order.
    static readonly (byte R, byte G, byte B)[] prototypesRgb =
    [
        (200, 30, 35), (240, 135, 20), (240, 215, 40), (45, 155, 55), (40, 85, 210), (125, 50, 170),
        (245, 145, 195), (115, 70, 35), (22, 22, 24), (240, 240, 238), (128, 128, 128),
    ];

    static readonly Vector3[] prototypesLab = prototypesRgb.Select(p => ToLab(p.R, p.G, p.B)).ToArray();

    /// <summary>The region of an sRGB color: its index in SceneWorld.Colors and its border ratio.</summary>
    public static (int Index, float Ratio) Classify(byte r, byte g, byte b) => Classify(ToLab(r, g, b));

    static (int, float) Classify(Vector3 lab)
    {
        int best = 0;
        float d1 = float.MaxValue, d2 = float.MaxValue;
        for (int i = 0; i < prototypesLab.Length; i++)
        {
            float d = Vector3.Distance(lab, prototypesLab[i]);
            if (d < d1)
            {
                d2 = d1;
                d1 = d;
                best = i;
            }
            else if (d < d2)
            {
                d2 = d;
            }
        }
        return (best, d1 / d2);
    }

    /// <summary>An sRGB color well inside the region of color <paramref name="index"/>.</summary>
    public static (byte R, byte G, byte B) Sample(int index, Random rng)
    {
        var center = prototypesLab[index];
        for (int attempt = 0; attempt < 64; attempt++)
        {
            var lab = center + new Vector3(Jitter(rng, 14), Jitter(rng, 12), Jitter(rng, 12));
            var (r, g, b) = FromLab(lab);
            var (got, ratio) = Classify(r, g, b);
            if (got == index && ratio < BorderRatio)
                return (r, g, b);
        }
        return prototypesRgb[index];
    }

    /// <summary>Perceptual distance between two sRGB colors (CIE76 ΔE).</summary>
    public static float Distance((byte R, byte G, byte B) a, (byte R, byte G, byte B) b) =>
        Vector3.Distance(ToLab(a.R, a.G, a.B), ToLab(b.R, b.G, b.B));

    static float Jitter(Random rng, float amplitude) => (float)(rng.NextDouble() * 2 - 1) * amplitude;

    public static Vector3 ToLab(byte r, byte g, byte b)
    {
        float lr = Linear(r / 255f), lg = Linear(g / 255f), lb = Linear(b / 255f);
        float x = (0.4124f * lr + 0.3576f * lg + 0.1805f * lb) / 0.95047f;
        float y = 0.2126f * lr + 0.7152f * lg + 0.0722f * lb;
        float z = (0.0193f * lr + 0.1192f * lg + 0.9505f * lb) / 1.08883f;
        float fx = F(x), fy = F(y), fz = F(z);
        return new Vector3(116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz));
    }

    static (byte, byte, byte) FromLab(Vector3 lab)
    {
        float fy = (lab.X + 16) / 116, fx = fy + lab.Y / 500, fz = fy - lab.Z / 200;
        float x = FInv(fx) * 0.95047f, y = FInv(fy), z = FInv(fz) * 1.08883f;
        float lr = 3.2406f * x - 1.5372f * y - 0.4986f * z;
        float lg = -0.9689f * x + 1.8758f * y + 0.0415f * z;
        float lb = 0.0557f * x - 0.2040f * y + 1.0570f * z;
        return (ToByte(Gamma(lr)), ToByte(Gamma(lg)), ToByte(Gamma(lb)));
    }

    static float Linear(float c) => c <= 0.04045f ? c / 12.92f : MathF.Pow((c + 0.055f) / 1.055f, 2.4f);
    static float Gamma(float c) => c <= 0.0031308f ? 12.92f * c : 1.055f * MathF.Pow(MathF.Max(c, 0), 1 / 2.4f) - 0.055f;
    static float F(float t) => t > 0.008856f ? MathF.Cbrt(t) : 7.787f * t + 16f / 116;
    static float FInv(float t) => t * t * t > 0.008856f ? t * t * t : (t - 16f / 116) / 7.787f;
    static byte ToByte(float c) => (byte)Math.Clamp((int)MathF.Round(c * 255), 0, 255);
}
