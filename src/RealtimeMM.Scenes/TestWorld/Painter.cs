using OpenCvSharp;

namespace RealtimeMM.Scenes.TestWorld;

/// <summary>
/// Draws one object of the test world with OpenCV's anti-aliased primitives, in the object's own
/// frame: x to the right and y down, the drawing's height 1, centered on the origin; a pose maps it
/// to pixels (scale, rotation, a mirror for the other viewpoint, a squash for perspective).
/// Every primitive also marks its pixels in the object's own coverage mask, from which the
/// generator derives boxes, masks and occlusion.
/// </summary>
internal sealed class Painter(Mat canvas, Mat coverage, Painter.Pose pose)
{
    /// <summary>Where the drawing goes: center in pixels, height in pixels, rotation (radians), mirrored, horizontal squash.</summary>
    public readonly record struct Pose(float Cx, float Cy, float Height, float Rotation, bool Mirror, float Squash);

    readonly float cos = MathF.Cos(pose.Rotation), sin = MathF.Sin(pose.Rotation);

    /// <summary>Outline width in pixels (0: none), drawn in the darkened fill color.</summary>
    public float Outline { get; set; }

    Point2f Map(float x, float y)
    {
        x *= pose.Height * pose.Squash * (pose.Mirror ? -1 : 1);
        y *= pose.Height;
        return new Point2f(pose.Cx + x * cos - y * sin, pose.Cy + x * sin + y * cos);
    }

    // OpenCV draws with sub-pixel precision when points carry fractional bits.
    const int Shift = 4;
    static Point Fixed(Point2f p) => new((int)MathF.Round(p.X * (1 << Shift)), (int)MathF.Round(p.Y * (1 << Shift)));

    public void Polygon(Scalar color, params float[] xy)
    {
        var pts = new Point[xy.Length / 2];
        for (int i = 0; i < pts.Length; i++)
            pts[i] = Fixed(Map(xy[2 * i], xy[2 * i + 1]));
        Cv2.FillPoly(canvas, [pts], color, LineTypes.AntiAlias, Shift);
        Cv2.FillPoly(coverage, [pts], Scalar.All(255), LineTypes.Link8, Shift);
        if (Outline > 0)
        {
            Cv2.Polylines(canvas, [pts], true, Darker(color, 0.55), Math.Max(1, (int)MathF.Round(Outline)), LineTypes.AntiAlias, Shift);
            Cv2.Polylines(coverage, [pts], true, Scalar.All(255), Math.Max(1, (int)MathF.Round(Outline)), LineTypes.Link8, Shift);
        }
    }

    public void Rect(Scalar color, float x0, float y0, float x1, float y1) => Polygon(color, x0, y0, x1, y0, x1, y1, x0, y1);

    /// <summary>A rectangle with rounded corners of radius <paramref name="r"/>.</summary>
    public void RoundRect(Scalar color, float x0, float y0, float x1, float y1, float r)
    {
        var xy = new List<float>();
        void Corner(float cx, float cy, float from)
        {
            for (int k = 0; k <= 4; k++)
            {
                float a = from + k * MathF.PI / 8;
                xy.Add(cx + r * MathF.Cos(a));
                xy.Add(cy + r * MathF.Sin(a));
            }
        }
        Corner(x1 - r, y1 - r, 0);
        Corner(x0 + r, y1 - r, MathF.PI / 2);
        Corner(x0 + r, y0 + r, MathF.PI);
        Corner(x1 - r, y0 + r, 3 * MathF.PI / 2);
        Polygon(color, [.. xy]);
    }

    /// <summary>An ellipse (or the arc slice from <paramref name="a0"/> to <paramref name="a1"/>, radians, closed through its center).</summary>
    public void Ellipse(Scalar color, float cx, float cy, float rx, float ry, float a0 = 0, float a1 = 2 * MathF.PI)
    {
        int n = 28;
        bool whole = a1 - a0 >= 2 * MathF.PI - 1e-3f;
        var xy = new List<float>();
        if (!whole)
        {
            xy.Add(cx);
            xy.Add(cy);
        }
        for (int k = 0; k <= n; k++)
        {
            float a = a0 + (a1 - a0) * k / n;
            xy.Add(cx + rx * MathF.Cos(a));
            xy.Add(cy + ry * MathF.Sin(a));
        }
        Polygon(color, [.. xy]);
    }

    public void Circle(Scalar color, float cx, float cy, float r) => Ellipse(color, cx, cy, r, r);

    /// <summary>A stroke of width <paramref name="width"/> (in drawing units) through the points.</summary>
    public void Stroke(Scalar color, float width, params float[] xy)
    {
        int px = Math.Max(1, (int)MathF.Round(width * pose.Height));
        var pts = new Point[xy.Length / 2];
        for (int i = 0; i < pts.Length; i++)
            pts[i] = Fixed(Map(xy[2 * i], xy[2 * i + 1]));
        Cv2.Polylines(canvas, [pts], false, color, px, LineTypes.AntiAlias, Shift);
        Cv2.Polylines(coverage, [pts], false, Scalar.All(255), px, LineTypes.Link8, Shift);
    }

    /// <summary>A ring (a wheel's tyre): a circle stroke.</summary>
    public void Ring(Scalar color, float cx, float cy, float r, float width)
    {
        var xy = new float[2 * 33];
        for (int k = 0; k <= 32; k++)
        {
            xy[2 * k] = cx + r * MathF.Cos(k * MathF.PI / 16);
            xy[2 * k + 1] = cy + r * MathF.Sin(k * MathF.PI / 16);
        }
        Stroke(color, width, xy);
    }

    /// <summary>The color with its channels scaled by <paramref name="factor"/> (shade below 1, light above).</summary>
    public static Scalar Darker(Scalar c, double factor) =>
        new(Math.Clamp(c.Val0 * factor, 0, 255), Math.Clamp(c.Val1 * factor, 0, 255), Math.Clamp(c.Val2 * factor, 0, 255));

    /// <summary>The color mixed toward <paramref name="other"/> by <paramref name="t"/>.</summary>
    public static Scalar Mix(Scalar c, Scalar other, double t) =>
        new(c.Val0 + (other.Val0 - c.Val0) * t, c.Val1 + (other.Val1 - c.Val1) * t, c.Val2 + (other.Val2 - c.Val2) * t);
}
