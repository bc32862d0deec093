using RealtimeMM.Replay;

namespace RealtimeMM.Scenes;

/// <summary>
/// Draws objects over a backdrop and derives each object's visible mask and box from which object
/// owns each pixel. Every pixel center is mapped into the object's local frame (inverse rotation
/// and squash), so rotation and perspective cost nothing extra.
/// </summary>
internal static class SceneRenderer
{
    static readonly (byte R, byte G, byte B) DarkTone = (30, 30, 33), LightTone = (200, 204, 208);

    /// <summary>Camera look of one frame: exposure, white balance, blur, sensor noise, JPEG quality (0: none).</summary>
    public readonly record struct CameraLook(float Gain, float WbR, float WbG, float WbB, bool Blur, float Noise, int JpegQuality)
    {
        public static readonly CameraLook Clean = new(1, 1, 1, 1, false, 0, 0);

        public static CameraLook Sample(Random rng) => new(
            0.82f + (float)rng.NextDouble() * 0.33f,
            0.94f + (float)rng.NextDouble() * 0.12f, 0.94f + (float)rng.NextDouble() * 0.12f, 0.94f + (float)rng.NextDouble() * 0.12f,
            rng.NextDouble() < 0.3, (float)rng.NextDouble() * 7,
            rng.NextDouble() < 0.35 ? 35 + rng.Next(56) : 0);
    }

    /// <summary>What became of an object after drawing.</summary>
    public readonly record struct Visibility(int Visible, int Full, PixelBox Box, ObjectMask? Mask);

    /// <summary>
    /// Draws <paramref name="objects"/> in order over <paramref name="bgr"/> (which holds the
    /// backdrop), then applies the camera look. Returns each object's visibility.
    /// </summary>
    public static Visibility[] Draw(byte[] bgr, int width, int height, IReadOnlyList<SceneObject> objects, CameraLook look, Random noiseRng)
    {
        var owner = new byte[width * height]; // 0 = backdrop, k = objects[k - 1]
        var full = new int[objects.Count];
        for (int k = 0; k < objects.Count; k++)
            full[k] = DrawObject(bgr, owner, width, height, objects[k], (byte)(k + 1));
        ApplyLook(bgr, width, height, look, noiseRng);

        var result = new Visibility[objects.Count];
        for (int k = 0; k < objects.Count; k++)
            result[k] = Measure(owner, width, height, (byte)(k + 1), full[k]);
        return result;
    }

    /// <summary>Draws one object; returns its full area in pixels, counting the part outside the frame.</summary>
    static int DrawObject(byte[] bgr, byte[] owner, int width, int height, SceneObject o, byte id)
    {
        var shape = o.Shape;
        float halfW = shape.Aspect / 2;
        float cos = MathF.Cos(o.Rotation), sin = MathF.Sin(o.Rotation);
        float invW = 1 / (o.Size * o.Squash), invH = 1 / o.Size;
        float lx = MathF.Cos(o.LightAngle) * o.LightStrength, ly = MathF.Sin(o.LightAngle) * o.LightStrength;
        var (x0f, y0f, x1f, y1f) = o.Extent;
        int x0 = (int)MathF.Floor(x0f), y0 = (int)MathF.Floor(y0f), x1 = (int)MathF.Ceiling(x1f), y1 = (int)MathF.Ceiling(y1f);
        int area = 0;
        for (int py = y0; py <= y1; py++)
        {
            float dy = py + 0.5f - o.Cy;
            bool rowInside = py >= 0 && py < height;
            for (int px = x0; px <= x1; px++)
            {
                float dx = px + 0.5f - o.Cx;
                float u = (dx * cos + dy * sin) * invW, v = (-dx * sin + dy * cos) * invH;
                if (u < -halfW || u > halfW || v < -0.5f || v > 0.5f)
                    continue;
                var part = shape.Hit(u, v);
                if (part is null)
                    continue;
                area++;
                if (!rowInside || px < 0 || px >= width)
                    continue;
                float light = 1 + lx * u / halfW + ly * v * 2;
                var (r, g, b) = part.Tone switch { PartTone.Dark => DarkTone, PartTone.Light => LightTone, _ => o.Rgb };
                float s = (part.Tone == PartTone.Body ? part.Shade : 1) * light;
                int i = py * width + px;
                owner[i] = id;
                bgr[i * 3] = Clamp(b * s);
                bgr[i * 3 + 1] = Clamp(g * s);
                bgr[i * 3 + 2] = Clamp(r * s);
            }
        }
        return area;
    }

    static Visibility Measure(byte[] owner, int width, int height, byte id, int full)
    {
        int minX = width, minY = height, maxX = -1, maxY = -1, count = 0;
        for (int y = 0; y < height; y++)
        {
            int row = y * width;
            for (int x = 0; x < width; x++)
            {
                if (owner[row + x] != id)
                    continue;
                count++;
                if (x < minX) minX = x;
                if (x > maxX) maxX = x;
                if (y < minY) minY = y;
                if (y > maxY) maxY = y;
            }
        }
        if (count == 0)
            return new Visibility(0, full, default, null);
        var box = new PixelBox(minX, minY, maxX - minX + 1, maxY - minY + 1);
        var inside = new byte[box.Area];
        for (int y = 0; y < box.Height; y++)
            for (int x = 0; x < box.Width; x++)
                inside[y * box.Width + x] = owner[(box.Y + y) * width + box.X + x] == id ? (byte)1 : (byte)0;
        return new Visibility(count, full, box, ObjectMask.Encode(inside));
    }

    static void ApplyLook(byte[] bgr, int width, int height, CameraLook look, Random rng)
    {
        if (look.Blur)
            BoxBlur3(bgr, width, height);
        float gb = look.Gain * look.WbB, gg = look.Gain * look.WbG, gr = look.Gain * look.WbR;
        bool noisy = look.Noise > 0;
        for (int i = 0; i < bgr.Length; i += 3)
        {
            float nb = 0, ng = 0, nr = 0;
            if (noisy)
            {
                // luminance noise plus a little chroma noise, roughly Gaussian (sum of two uniforms)
                float l = (float)(rng.NextDouble() + rng.NextDouble() - 1) * look.Noise;
                nb = l + (float)(rng.NextDouble() - 0.5) * look.Noise * 0.5f;
                ng = l;
                nr = l + (float)(rng.NextDouble() - 0.5) * look.Noise * 0.5f;
            }
            bgr[i] = Clamp(bgr[i] * gb + nb);
            bgr[i + 1] = Clamp(bgr[i + 1] * gg + ng);
            bgr[i + 2] = Clamp(bgr[i + 2] * gr + nr);
        }
        if (look.JpegQuality > 0)
            JpegArtefacts.RoundTrip(bgr, width, height, look.JpegQuality);
    }

    static void BoxBlur3(byte[] bgr, int width, int height)
    {
        var src = (byte[])bgr.Clone();
        int stride = width * 3;
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                for (int c = 0; c < 3; c++)
                {
                    int sum = 0;
                    for (int dy = -1; dy <= 1; dy++)
                    {
                        int row = Math.Clamp(y + dy, 0, height - 1) * stride + c;
                        for (int dx = -1; dx <= 1; dx++)
                            sum += src[row + Math.Clamp(x + dx, 0, width - 1) * 3]; // edges repeat their pixel
                    }
                    bgr[y * stride + x * 3 + c] = (byte)((sum + 4) / 9);
                }
            }
        }
    }

    static byte Clamp(float v) => v <= 0 ? (byte)0 : v >= 255 ? (byte)255 : (byte)(v + 0.5f);
}
