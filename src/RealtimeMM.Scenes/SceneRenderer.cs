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

    /// <summary>A randomised scene's frame-wide style (training only): dark outlines around objects, and a bar that occludes part of the view.</summary>
    public readonly record struct RandomStyle(bool Outline, (float X0, float Y0, float X1, float Y1, float Width, (byte R, byte G, byte B) Color)? Occluder);

    /// <summary>What became of an object after drawing.</summary>
    public readonly record struct Visibility(int Visible, int Full, PixelBox Box, ObjectMask? Mask);

    /// <summary>
    /// Draws <paramref name="objects"/> in order over <paramref name="bgr"/> (which holds the
    /// backdrop), then applies the camera look. Returns each object's visibility.
    /// </summary>
    public static Visibility[] Draw(byte[] bgr, int width, int height, IReadOnlyList<SceneObject> objects, CameraLook look, Random noiseRng, RandomStyle? style = null)
    {
        var owner = new byte[width * height]; // 0 = backdrop, k = objects[k - 1]
        var full = new int[objects.Count];
        for (int k = 0; k < objects.Count; k++)
            full[k] = DrawObject(bgr, owner, width, height, objects[k], (byte)(k + 1));
        if (style is { Outline: true })
            Outline(bgr, owner, width, height);
        if (style?.Occluder is { } bar)
            Occlude(bgr, owner, width, height, bar);
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
                if (o.Mirror)
                    u = -u;
                var part = shape.Hit(u, v);
                if (part is null)
                    continue;
                area++;
                if (!rowInside || px < 0 || px >= width)
                    continue;
                float light = 1 + lx * u / halfW + ly * v * 2;
                var (r, g, b) = part.Tone switch { PartTone.Dark => DarkTone, PartTone.Light => LightTone, _ => o.Rgb };
                float s = (part.Tone == PartTone.Body ? part.Shade : 1) * light;
                if (part.Tone == PartTone.Body && (o.PartJitter > 0 || o.Texture != SceneTexture.None))
                    s *= Styled(o, shape, part, u, v);
                int i = py * width + px;
                owner[i] = id;
                bgr[i * 3] = Clamp(b * s);
                bgr[i * 3 + 1] = Clamp(g * s);
                bgr[i * 3 + 2] = Clamp(r * s);
            }
        }
        return area;
    }

    /// <summary>The randomised style's brightness factor at a body pixel: its part's own shade apart from the others, times the texture.</summary>
    static float Styled(SceneObject o, ClassShape shape, ShapePart part, float u, float v)
    {
        float f = 1;
        if (o.PartJitter > 0)
        {
            int index = Array.IndexOf(shape.Parts, part);
            f *= 1 + o.PartJitter * (((index * 2654435761u) >> 24) / 127.5f - 1); // a fixed value in [-1, 1] per part
        }
        float a = u * MathF.Cos(o.TextureAngle) + v * MathF.Sin(o.TextureAngle), b = -u * MathF.Sin(o.TextureAngle) + v * MathF.Cos(o.TextureAngle);
        f *= o.Texture switch
        {
            SceneTexture.Stripes => MathF.Sin(a * o.TextureFrequency) > 0 ? 1.1f : 0.92f,
            SceneTexture.Checker => (MathF.Floor(a * o.TextureFrequency / 3) + MathF.Floor(b * o.TextureFrequency / 3)) % 2 == 0 ? 1.08f : 0.93f,
            SceneTexture.Blotches => 1 + 0.08f * MathF.Sin(a * o.TextureFrequency) * MathF.Cos(b * o.TextureFrequency * 0.7f),
            _ => 1,
        };
        return f;
    }

    /// <summary>
    /// Darkens each object's pixels that touch another owner (its outline, one pixel wide) where the
    /// object is at least four pixels thick, so thin parts (a bicycle's frame) keep their color.
    /// </summary>
    static readonly (int Dx, int Dy)[] Neighbours = [(1, 0), (-1, 0), (0, 1), (0, -1)];

    static void Outline(byte[] bgr, byte[] owner, int width, int height)
    {
        bool Owns(int x, int y, byte k) => x >= 0 && y >= 0 && x < width && y < height && owner[y * width + x] == k;
        var edge = new List<int>();
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                byte k = owner[y * width + x];
                if (k == 0)
                    continue;
                foreach (var (dx, dy) in Neighbours)
                    if (!Owns(x + dx, y + dy, k) && x + dx >= 0 && y + dy >= 0 && x + dx < width && y + dy < height
                        && Owns(x - dx, y - dy, k) && Owns(x - 2 * dx, y - 2 * dy, k) && Owns(x - 3 * dx, y - 3 * dy, k))
                    {
                        edge.Add(y * width + x);
                        break;
                    }
            }
        foreach (int i in edge)
            for (int c = 0; c < 3; c++)
                bgr[i * 3 + c] = (byte)(bgr[i * 3 + c] * 0.55f);
    }

    /// <summary>Draws a bar across the view (a pole, a branch) over everything: its pixels belong to no object.</summary>
    static void Occlude(byte[] bgr, byte[] owner, int width, int height, (float X0, float Y0, float X1, float Y1, float Width, (byte R, byte G, byte B) Color) bar)
    {
        float dx = bar.X1 - bar.X0, dy = bar.Y1 - bar.Y0, length2 = Math.Max(1e-6f, dx * dx + dy * dy);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                float t = Math.Clamp(((x - bar.X0) * dx + (y - bar.Y0) * dy) / length2, 0, 1);
                float ex = bar.X0 + t * dx - x, ey = bar.Y0 + t * dy - y;
                if (ex * ex + ey * ey > bar.Width * bar.Width / 4)
                    continue;
                int i = y * width + x;
                owner[i] = 0;
                bgr[i * 3] = bar.Color.B;
                bgr[i * 3 + 1] = bar.Color.G;
                bgr[i * 3 + 2] = bar.Color.R;
            }
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
