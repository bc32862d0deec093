using OpenCvSharp;

namespace RealtimeMM.Scenes.TestWorld;

/// <summary>
/// The test world's backgrounds, none of them the training generator's: floor tiles, hills under a
/// sky, diagonal wallpaper stripes, cloudy blotches, and a room's wall over its floor. Colors are
/// muted (low chroma) so objects of every color can stand apart from them.
/// </summary>
internal static class TestBackgrounds
{
    public static void Paint(Mat canvas, Random rng)
    {
        int w = canvas.Width, h = canvas.Height;
        Scalar a = Muted(rng), b = Muted(rng);
        switch (rng.Next(5))
        {
            case 0: // tiles
                canvas.SetTo(a);
                int tile = Math.Max(8, (int)(h * (0.08 + rng.NextDouble() * 0.12)));
                for (int y = 0; y < h; y += tile)
                    for (int x = (y / tile % 2) * tile; x < w; x += 2 * tile)
                        Cv2.Rectangle(canvas, new Rect(x, y, tile, tile), b, -1);
                for (int y = 0; y < h; y += tile)
                    Cv2.Line(canvas, new Point(0, y), new Point(w, y), Painter.Darker(a, 0.8), 1);
                break;
            case 1: // hills under a sky
                var sky = rng.Next(2) == 0 ? new Scalar(225, 200, 170) : new Scalar(205, 205, 200);
                for (int y = 0; y < h; y++)
                    Cv2.Line(canvas, new Point(0, y), new Point(w, y), Painter.Mix(sky, new Scalar(250, 245, 240), (double)y / h), 1);
                for (int layer = 0; layer < 2; layer++)
                {
                    var hill = layer == 0 ? new Scalar(110, 140, 120) : new Scalar(80, 120, 95);
                    double baseY = h * (0.45 + 0.15 * layer + rng.NextDouble() * 0.1), amp = h * 0.06, freq = 2 + rng.NextDouble() * 3, phase = rng.NextDouble() * 6;
                    var pts = new List<Point> { new(0, h) };
                    for (int x = 0; x <= w; x += 4)
                        pts.Add(new Point(x, (int)(baseY + amp * Math.Sin(freq * x / w * Math.PI + phase))));
                    pts.Add(new Point(w, h));
                    Cv2.FillPoly(canvas, [pts.ToArray()], Painter.Mix(hill, Muted(rng), 0.3), LineTypes.AntiAlias);
                }
                break;
            case 2: // diagonal stripes
                canvas.SetTo(a);
                int gap = Math.Max(6, (int)(h * (0.05 + rng.NextDouble() * 0.1)));
                for (int x = -h; x < w + h; x += 2 * gap)
                    Cv2.FillPoly(canvas, [[new Point(x, 0), new Point(x + gap, 0), new Point(x + gap - h, h), new Point(x - h, h)]], b, LineTypes.AntiAlias);
                break;
            case 3: // blotches: blurred noise between two colors
                using (var noise = new Mat(Math.Max(2, h / 16), Math.Max(2, w / 16), MatType.CV_32FC1))
                using (var big = new Mat())
                {
                    var cells = new float[noise.Rows * noise.Cols];
                    for (int i = 0; i < cells.Length; i++)
                        cells[i] = (float)rng.NextDouble();
                    noise.SetArray(cells);
                    Cv2.Resize(noise, big, new Size(w, h), 0, 0, InterpolationFlags.Cubic);
                    Cv2.GaussianBlur(big, big, new Size(0, 0), h / 30.0);
                    var px = new Vec3b[w * h];
                    for (int y = 0; y < h; y++)
                        for (int x = 0; x < w; x++)
                        {
                            var c = Painter.Mix(a, b, Math.Clamp(big.At<float>(y, x), 0, 1));
                            px[y * w + x] = new Vec3b((byte)c.Val0, (byte)c.Val1, (byte)c.Val2);
                        }
                    canvas.SetArray(px);
                }
                break;
            default: // a room: wall, skirting board, floor boards
                int floor = (int)(h * (0.5 + rng.NextDouble() * 0.2));
                canvas.SetTo(a);
                Cv2.Rectangle(canvas, new Rect(0, floor, w, h - floor), b, -1);
                Cv2.Rectangle(canvas, new Rect(0, floor - 4, w, 4), Painter.Mix(a, new Scalar(255, 255, 255), 0.5), -1);
                for (int y = floor + 6; y < h; y += 8 + (y - floor) / 6)
                    Cv2.Line(canvas, new Point(0, y), new Point(w, y), Painter.Darker(b, 0.85), 1);
                break;
        }
    }

    /// <summary>A low-chroma BGR color of middle to high lightness.</summary>
    static Scalar Muted(Random rng)
    {
        double gray = 90 + rng.NextDouble() * 130, tint = 18;
        return new Scalar(gray + (rng.NextDouble() - 0.5) * tint, gray + (rng.NextDouble() - 0.5) * tint, gray + (rng.NextDouble() - 0.5) * tint);
    }
}
