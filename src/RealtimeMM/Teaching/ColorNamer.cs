namespace RealtimeMM.Teaching;

/// <summary>
/// Names the color of an object's pixels with the world's color words, in CIELAB: the frame's
/// exposure is evened out first (its bright end scaled to near white, so a dim frame's white van
/// stays white), every pixel takes the nearest of a few reference shades of each color, and the
/// color most pixels take wins.
/// </summary>
internal static class ColorNamer
{
    static readonly (string Name, byte R, byte G, byte B)[] Shades =
    [
        ("red", 220, 20, 30), ("red", 170, 25, 35), ("red", 200, 60, 60),
        ("orange", 255, 140, 0), ("orange", 225, 120, 50),
        ("yellow", 250, 225, 20), ("yellow", 225, 200, 80),
        ("green", 20, 150, 40), ("green", 40, 95, 40), ("green", 110, 180, 80),
        ("blue", 20, 40, 230), ("blue", 30, 60, 150), ("blue", 90, 140, 220), ("blue", 25, 35, 85),
        ("purple", 128, 20, 128), ("purple", 110, 70, 165),
        ("pink", 250, 150, 190), ("pink", 225, 110, 160),
        ("brown", 140, 85, 35), ("brown", 95, 60, 35), ("brown", 160, 115, 75),
        ("black", 15, 15, 18), ("black", 40, 40, 45),
        ("white", 245, 245, 245), ("white", 215, 220, 225),
        ("gray", 128, 128, 128), ("gray", 85, 88, 90), ("gray", 175, 175, 178),
    ];

    /// <summary>The most common color word among the pixels, limited to <paramref name="colors"/>; null when no pixel was given.</summary>
    /// <param name="rgb">The frame, RGB interleaved.</param>
    /// <param name="pixels">Indices of the object's pixels in the frame.</param>
    public static string? Name(ReadOnlySpan<byte> rgb, IEnumerable<int> pixels, IReadOnlyCollection<string> colors)
    {
        var shades = Shades.Where(s => colors.Contains(s.Name)).Select(s => (s.Name, Lab: Lab(s.R, s.G, s.B))).ToArray();
        if (shades.Length == 0)
            return null;
        float gain = Gain(rgb);
        var votes = new Dictionary<string, int>();
        foreach (int p in pixels)
        {
            var lab = Lab(Math.Min(255, rgb[3 * p] * gain), Math.Min(255, rgb[3 * p + 1] * gain), Math.Min(255, rgb[3 * p + 2] * gain));
            string best = shades[0].Name;
            double bestD = double.MaxValue;
            foreach (var (name, s) in shades)
            {
                double d = (lab.L - s.L) * (lab.L - s.L) + (lab.A - s.A) * (lab.A - s.A) + (lab.B - s.B) * (lab.B - s.B);
                if (d < bestD)
                    (bestD, best) = (d, name);
            }
            votes[best] = votes.GetValueOrDefault(best) + 1;
        }
        return votes.Count == 0 ? null : votes.MaxBy(v => v.Value).Key;
    }

    /// <summary>The gain that brings the frame's 99th-percentile brightest channel value to 245 (at most x1.6, never darker).</summary>
    static float Gain(ReadOnlySpan<byte> rgb)
    {
        var histogram = new int[256];
        for (int i = 0; i + 2 < rgb.Length; i += 3)
            histogram[Math.Max(rgb[i], Math.Max(rgb[i + 1], rgb[i + 2]))]++;
        int total = rgb.Length / 3, seen = 0, level = 255;
        for (; level > 0; level--)
        {
            seen += histogram[level];
            if (seen >= total / 100)
                break;
        }
        return Math.Clamp(245f / Math.Max(level, 1), 1f, 1.6f);
    }

    static (double L, double A, double B) Lab(double r, double g, double b)
    {
        static double Linear(double v)
        {
            v /= 255;
            return v <= 0.04045 ? v / 12.92 : Math.Pow((v + 0.055) / 1.055, 2.4);
        }
        double rl = Linear(r), gl = Linear(g), bl = Linear(b);
        double x = (0.4124 * rl + 0.3576 * gl + 0.1805 * bl) / 0.95047;
        double y = 0.2126 * rl + 0.7152 * gl + 0.0722 * bl;
        double z = (0.0193 * rl + 0.1192 * gl + 0.9505 * bl) / 1.08883;
        static double F(double t) => t > 0.008856 ? Math.Cbrt(t) : 7.787 * t + 16.0 / 116;
        double fx = F(x), fy = F(y), fz = F(z);
        return (116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz));
    }
}
