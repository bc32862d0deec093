namespace RealtimeMM.Scenes;

/// <summary>Scene backgrounds: flat, gradient, smooth noise, or bands (sky over grass, road or sand).</summary>
internal sealed class Backdrop
{
    enum Kind { Flat, Gradient, Noise, Bands }

    readonly Kind kind;
    readonly float[] c0, c1, c2;
    readonly float dirX, dirY, horizon, noiseAmp;
    readonly float[,] grid;
    readonly bool road;

    public Backdrop(Random rng)
    {
        kind = (Kind)rng.Next(4);
        c0 = Muted(rng);
        c1 = Muted(rng);
        c2 = Muted(rng);
        float a = (float)(rng.NextDouble() * Math.PI * 2);
        dirX = MathF.Cos(a);
        dirY = MathF.Sin(a);
        horizon = 0.3f + (float)rng.NextDouble() * 0.3f;
        noiseAmp = 20 + (float)rng.NextDouble() * 35;
        grid = new float[7, 9];
        for (int i = 0; i < 7; i++)
            for (int j = 0; j < 9; j++)
                grid[i, j] = (float)rng.NextDouble() * 2 - 1;
        if (kind == Kind.Bands)
        {
            // sky: pale blue, gray or dusk; ground: grass, road or sand
            c0 = rng.Next(3) switch { 0 => [235, 205, 160], 1 => [200, 200, 200], _ => [170, 190, 235] }; // BGR
            int ground = rng.Next(3);
            road = ground == 1;
            c1 = ground switch { 0 => [50, 130, 70], 1 => [85, 85, 90], _ => [140, 185, 210] };
            for (int i = 0; i < 3; i++)
            {
                c0[i] *= 0.85f + (float)rng.NextDouble() * 0.25f;
                c1[i] *= 0.85f + (float)rng.NextDouble() * 0.25f;
            }
        }
    }

    /// <summary>Low to medium saturation, so objects stand out more often than not.</summary>
    static float[] Muted(Random rng)
    {
        float v = 60 + (float)rng.NextDouble() * 170, s = (float)rng.NextDouble() * 0.45f;
        return [v * (1 - s * (float)rng.NextDouble()), v * (1 - s * (float)rng.NextDouble()), v * (1 - s * (float)rng.NextDouble())];
    }

    public void Render(byte[] bgr, int width, int height)
    {
        for (int y = 0; y < height; y++)
        {
            float fy = (float)y / height;
            for (int x = 0; x < width; x++)
            {
                float fx = (float)x / width;
                int o = (y * width + x) * 3;
                for (int c = 0; c < 3; c++)
                    bgr[o + c] = (byte)Math.Clamp((int)Value(c, fx, fy), 0, 255);
            }
        }
    }

    float Value(int c, float fx, float fy)
    {
        switch (kind)
        {
            case Kind.Flat:
                return c0[c] * (1.05f - 0.1f * fy);
            case Kind.Gradient:
                float t = Math.Clamp(0.5f + (fx - 0.5f) * dirX + (fy - 0.5f) * dirY, 0, 1);
                return c0[c] + (c1[c] - c0[c]) * t;
            case Kind.Noise:
                return c0[c] + noiseAmp * Smooth(fx, fy);
            default:
                if (fy < horizon)
                    return c0[c] * (0.9f + 0.15f * fy / horizon);
                float g = c1[c] * (0.9f + 0.1f * (fy - horizon) / (1 - horizon)) + 8 * Smooth(fx * 3, fy * 3);
                // a dashed lane line across a road
                if (road && MathF.Abs(fy - (horizon + 1) / 2) < 0.012f && (int)(fx * 12) % 2 == 0)
                    return 225;
                return g;
        }
    }

    /// <summary>Bilinear value noise from the random grid, in [-1, 1].</summary>
    float Smooth(float fx, float fy)
    {
        float gx = fx * 8 % 8, gy = fy * 6 % 6;
        if (gx < 0) gx += 8;
        if (gy < 0) gy += 6;
        int x0 = (int)gx, y0 = (int)gy;
        float tx = gx - x0, ty = gy - y0;
        tx = tx * tx * (3 - 2 * tx);
        ty = ty * ty * (3 - 2 * ty);
        float a = grid[y0, x0] + (grid[y0, x0 + 1] - grid[y0, x0]) * tx;
        float b = grid[y0 + 1, x0] + (grid[y0 + 1, x0 + 1] - grid[y0 + 1, x0]) * tx;
        return a + (b - a) * ty;
    }
}
