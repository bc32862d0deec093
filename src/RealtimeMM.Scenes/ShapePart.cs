namespace RealtimeMM.Scenes;

/// <summary>How a part of a silhouette is colored.</summary>
internal enum PartTone
{
    /// <summary>The object's color times the part's shade.</summary>
    Body,
    /// <summary>Near-black: tyres, doors, eyes.</summary>
    Dark,
    /// <summary>Pale neutral: windows, hubcaps.</summary>
    Light,
}

/// <summary>One primitive of a class silhouette, in the class's local units (y down).</summary>
internal abstract record ShapePart(PartTone Tone, float Shade)
{
    public abstract bool Contains(float x, float y);
    public abstract (float MinX, float MinY, float MaxX, float MaxY) Bounds { get; }
}

internal sealed record Polygon(float[] Xs, float[] Ys, PartTone Tone = PartTone.Body, float Shade = 1) : ShapePart(Tone, Shade)
{
    public static Polygon Rect(float x0, float y0, float x1, float y1, PartTone tone = PartTone.Body, float shade = 1) =>
        new([x0, x1, x1, x0], [y0, y0, y1, y1], tone, shade);

    public static Polygon Of(PartTone tone, float shade, params float[] xy) =>
        new(xy.Where((_, i) => i % 2 == 0).ToArray(), xy.Where((_, i) => i % 2 == 1).ToArray(), tone, shade);

    public override bool Contains(float x, float y)
    {
        bool inside = false;
        for (int i = 0, j = Xs.Length - 1; i < Xs.Length; j = i++)
        {
            if (Ys[i] > y != Ys[j] > y && x < (Xs[j] - Xs[i]) * (y - Ys[i]) / (Ys[j] - Ys[i]) + Xs[i])
                inside = !inside;
        }
        return inside;
    }

    public override (float, float, float, float) Bounds => (Xs.Min(), Ys.Min(), Xs.Max(), Ys.Max());
}

internal sealed record Ellipse(float Cx, float Cy, float Rx, float Ry, PartTone Tone = PartTone.Body, float Shade = 1) : ShapePart(Tone, Shade)
{
    public static Ellipse Circle(float cx, float cy, float r, PartTone tone = PartTone.Body, float shade = 1) => new(cx, cy, r, r, tone, shade);

    public override bool Contains(float x, float y)
    {
        float u = (x - Cx) / Rx, v = (y - Cy) / Ry;
        return u * u + v * v <= 1;
    }

    public override (float, float, float, float) Bounds => (Cx - Rx, Cy - Ry, Cx + Rx, Cy + Ry);
}

internal sealed record Ring(float Cx, float Cy, float Outer, float Inner, PartTone Tone = PartTone.Body, float Shade = 1) : ShapePart(Tone, Shade)
{
    public override bool Contains(float x, float y)
    {
        float d = (x - Cx) * (x - Cx) + (y - Cy) * (y - Cy);
        return d <= Outer * Outer && d >= Inner * Inner;
    }

    public override (float, float, float, float) Bounds => (Cx - Outer, Cy - Outer, Cx + Outer, Cy + Outer);
}

/// <summary>A thick line with round ends.</summary>
internal sealed record Capsule(float X0, float Y0, float X1, float Y1, float Thickness, PartTone Tone = PartTone.Body, float Shade = 1) : ShapePart(Tone, Shade)
{
    public override bool Contains(float x, float y)
    {
        float dx = X1 - X0, dy = Y1 - Y0;
        float t = Math.Clamp(((x - X0) * dx + (y - Y0) * dy) / (dx * dx + dy * dy), 0, 1);
        float px = X0 + t * dx - x, py = Y0 + t * dy - y;
        float r = Thickness / 2;
        return px * px + py * py <= r * r;
    }

    public override (float, float, float, float) Bounds
    {
        get
        {
            float r = Thickness / 2;
            return (Math.Min(X0, X1) - r, Math.Min(Y0, Y1) - r, Math.Max(X0, X1) + r, Math.Max(Y0, Y1) + r);
        }
    }
}
