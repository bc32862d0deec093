using System.Numerics;
using System.Runtime.CompilerServices;

namespace RealtimeMM.Overlay;

/// <summary>
/// Polynomial fits of the colormaps (Turbo: 5th degree, Viridis: 6th degree), evaluated exactly as
/// in <c>shaders/overlay.comp</c>. Input in [0, 1] (clamped), output RGB in [0, 1].
/// </summary>
public static class Colormaps
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector3 Evaluate(Colormap map, float t) => map == Colormap.Viridis ? Viridis(t) : Turbo(t);

    public static Vector3 Turbo(float t)
    {
        float x = Math.Clamp(t, 0f, 1f), x2 = x * x, x3 = x2 * x, x4 = x2 * x2, x5 = x4 * x;
        float r = 0.13572138f + 4.61539260f * x - 42.66032258f * x2 + 132.13108234f * x3 - 152.94239396f * x4 + 59.28637943f * x5;
        float g = 0.09140261f + 2.19418839f * x + 4.84296658f * x2 - 14.18503333f * x3 + 4.27729857f * x4 + 2.82956604f * x5;
        float b = 0.10667330f + 12.64194608f * x - 60.58204836f * x2 + 110.36276771f * x3 - 89.90310912f * x4 + 27.34824973f * x5;
        return Vector3.Clamp(new Vector3(r, g, b), Vector3.Zero, Vector3.One);
    }

    public static Vector3 Viridis(float t)
    {
        float x = Math.Clamp(t, 0f, 1f);
        var c0 = new Vector3(0.2777273272f, 0.0054073445f, 0.3340998053f);
        var c1 = new Vector3(0.1050930431f, 1.4046135299f, 1.3845901626f);
        var c2 = new Vector3(-0.3308618287f, 0.2148475595f, 0.0950951630f);
        var c3 = new Vector3(-4.6342304990f, -5.7991009734f, -19.3324409563f);
        var c4 = new Vector3(6.2282699363f, 14.1799333668f, 56.6905526007f);
        var c5 = new Vector3(4.7763849977f, -13.7451453777f, -65.3530326334f);
        var c6 = new Vector3(-5.4354558559f, 4.6458526122f, 26.3124352496f);
        var v = c0 + x * (c1 + x * (c2 + x * (c3 + x * (c4 + x * (c5 + x * c6)))));
        return Vector3.Clamp(v, Vector3.Zero, Vector3.One);
    }
}
