using OpenCvSharp;

namespace RealtimeMM.Scenes.TestWorld;

/// <summary>
/// The test world's lighting and camera, its own: a light gradient across each object, then per
/// frame a vignette, a color cast, a tone curve, Gaussian blur, Gaussian sensor noise and OpenCV's
/// JPEG encoder. Each stays mild enough that the named colors keep their regions.
/// </summary>
internal static class TestCamera
{
    /// <summary>A linear light gradient over one object's pixels (±10% at its box's edges, in a random direction).</summary>
    public static void Shade(Mat layer, Mat coverage, Rect box, Random rng)
    {
        double angle = rng.NextDouble() * Math.PI * 2, strength = rng.NextDouble() * 0.1;
        double dx = Math.Cos(angle) * strength / Math.Max(1, box.Width / 2.0), dy = Math.Sin(angle) * strength / Math.Max(1, box.Height / 2.0);
        double cx = box.X + box.Width / 2.0, cy = box.Y + box.Height / 2.0;
        for (int y = box.Top; y < box.Bottom; y++)
            for (int x = box.Left; x < box.Right; x++)
            {
                if (coverage.At<byte>(y, x) == 0)
                    continue;
                double f = 1 + (x - cx) * dx + (y - cy) * dy;
                ref var p = ref layer.At<Vec3b>(y, x);
                p = new Vec3b(Clamp(p.Item0 * f), Clamp(p.Item1 * f), Clamp(p.Item2 * f));
            }
    }

    public static void Apply(Mat canvas, Random rng)
    {
        int w = canvas.Width, h = canvas.Height;
        double vignette = rng.NextDouble() * 0.18, gamma = 0.9 + rng.NextDouble() * 0.2;
        double cb = 1 + (rng.NextDouble() - 0.5) * 0.1, cg = 1 + (rng.NextDouble() - 0.5) * 0.06, cr = 1 + (rng.NextDouble() - 0.5) * 0.1;
        var lut = new byte[256];
        for (int i = 0; i < 256; i++)
            lut[i] = Clamp(255 * Math.Pow(i / 255.0, gamma));
        double maxR2 = (w * w + h * h) / 4.0;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                double r2 = ((x - w / 2.0) * (x - w / 2.0) + (y - h / 2.0) * (y - h / 2.0)) / maxR2, v = 1 - vignette * r2;
                ref var p = ref canvas.At<Vec3b>(y, x);
                p = new Vec3b(lut[Clamp(p.Item0 * v * cb)], lut[Clamp(p.Item1 * v * cg)], lut[Clamp(p.Item2 * v * cr)]);
            }
        if (rng.NextDouble() < 0.3)
            Cv2.GaussianBlur(canvas, canvas, new Size(0, 0), 0.5 + rng.NextDouble() * 0.7);
        if (rng.NextDouble() < 0.6)
        {
            // Gaussian sensor noise (Box–Muller), the same on every channel plus a third as much per channel
            double sigma = 1 + rng.NextDouble() * 4;
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble(), r = Math.Sqrt(-2 * Math.Log(u1));
                    double luma = r * Math.Cos(2 * Math.PI * u2) * sigma, chroma = r * Math.Sin(2 * Math.PI * u2) * sigma / 3;
                    ref var p = ref canvas.At<Vec3b>(y, x);
                    p = new Vec3b(Clamp(p.Item0 + luma + chroma), Clamp(p.Item1 + luma), Clamp(p.Item2 + luma - chroma));
                }
        }
        if (rng.NextDouble() < 0.4)
        {
            Cv2.ImEncode(".jpg", canvas, out byte[] jpeg, new ImageEncodingParam(ImwriteFlags.JpegQuality, 40 + rng.Next(50)));
            using var decoded = Cv2.ImDecode(jpeg, ImreadModes.Color);
            decoded.CopyTo(canvas);
        }
    }

    static byte Clamp(double v) => v <= 0 ? (byte)0 : v >= 255 ? (byte)255 : (byte)(v + 0.5);
}
