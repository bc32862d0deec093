namespace RealtimeMM.Scenes;

/// <summary>
/// The silhouette of each class, built from primitives back to front, normalised so the shape's
/// bounds are centered on the origin with height 1 (width = aspect).
/// </summary>
internal sealed class ClassShape
{
    public ClassShape(string name, ShapePart[] parts)
    {
        Name = name;
        var b = parts.Select(p => p.Bounds).ToArray();
        float minX = b.Min(v => v.MinX), minY = b.Min(v => v.MinY), maxX = b.Max(v => v.MaxX), maxY = b.Max(v => v.MaxY);
        float cx = (minX + maxX) / 2, cy = (minY + maxY) / 2, s = 1 / (maxY - minY);
        Parts = parts.Select(p => Normalise(p, cx, cy, s)).ToArray();
        Aspect = (maxX - minX) * s;
    }

    public string Name { get; }

    /// <summary>Back to front: a later part covers an earlier one.</summary>
    public ShapePart[] Parts { get; }

    /// <summary>Width over height of the normalised shape.</summary>
    public float Aspect { get; }

    /// <summary>The topmost part covering a local point, or null.</summary>
    public ShapePart? Hit(float x, float y)
    {
        for (int i = Parts.Length - 1; i >= 0; i--)
            if (Parts[i].Contains(x, y))
                return Parts[i];
        return null;
    }

    static ShapePart Normalise(ShapePart p, float cx, float cy, float s) => p switch
    {
        Polygon q => q with { Xs = q.Xs.Select(x => (x - cx) * s).ToArray(), Ys = q.Ys.Select(y => (y - cy) * s).ToArray() },
        Ellipse e => e with { Cx = (e.Cx - cx) * s, Cy = (e.Cy - cy) * s, Rx = e.Rx * s, Ry = e.Ry * s },
        Ring r => r with { Cx = (r.Cx - cx) * s, Cy = (r.Cy - cy) * s, Outer = r.Outer * s, Inner = r.Inner * s },
        Capsule c => c with { X0 = (c.X0 - cx) * s, Y0 = (c.Y0 - cy) * s, X1 = (c.X1 - cx) * s, Y1 = (c.Y1 - cy) * s, Thickness = c.Thickness * s },
        _ => throw new NotSupportedException(p.GetType().Name),
    };
}

internal static class ClassShapes
{
    const PartTone B = PartTone.Body, D = PartTone.Dark, L = PartTone.Light;

    /// <summary>One shape per class, in SceneWorld.Classes order.</summary>
    public static readonly ClassShape[] All =
    [
        new("car", [
            Polygon.Of(B, 1, -1f, 0.3f, -1f, 0f, -0.6f, -0.05f, -0.35f, -0.4f, 0.35f, -0.4f, 0.62f, -0.05f, 1f, 0.02f, 1f, 0.3f),
            Polygon.Of(L, 1, -0.5f, -0.08f, -0.32f, -0.33f, -0.03f, -0.33f, -0.03f, -0.08f),
            Polygon.Of(L, 1, 0.03f, -0.08f, 0.03f, -0.33f, 0.32f, -0.33f, 0.52f, -0.08f),
            Ellipse.Circle(-0.58f, 0.3f, 0.2f, D), Ellipse.Circle(0.58f, 0.3f, 0.2f, D),
            Ellipse.Circle(-0.58f, 0.3f, 0.08f, L), Ellipse.Circle(0.58f, 0.3f, 0.08f, L),
        ]),
        new("truck", [
            Polygon.Rect(-1.1f, -0.55f, 0.35f, 0.25f, B, 1),
            Polygon.Of(B, 0.85f, 0.4f, 0.25f, 0.4f, -0.3f, 0.8f, -0.3f, 1.1f, 0.0f, 1.1f, 0.25f),
            Polygon.Of(L, 1, 0.5f, -0.05f, 0.5f, -0.22f, 0.76f, -0.22f, 0.95f, -0.05f),
            Ellipse.Circle(-0.78f, 0.3f, 0.17f, D), Ellipse.Circle(-0.38f, 0.3f, 0.17f, D), Ellipse.Circle(0.8f, 0.3f, 0.17f, D),
        ]),
        new("bus", [
            Polygon.Rect(-1.3f, -0.45f, 1.3f, 0.3f, B, 1),
            Polygon.Rect(-1.2f, -0.36f, -0.85f, -0.1f, L), Polygon.Rect(-0.75f, -0.36f, -0.4f, -0.1f, L),
            Polygon.Rect(-0.3f, -0.36f, 0.05f, -0.1f, L), Polygon.Rect(0.15f, -0.36f, 0.5f, -0.1f, L),
            Polygon.Rect(0.62f, -0.36f, 0.88f, 0.22f, D), Polygon.Rect(1f, -0.36f, 1.22f, -0.05f, L),
            Ellipse.Circle(-0.85f, 0.3f, 0.16f, D), Ellipse.Circle(0.85f, 0.3f, 0.16f, D),
        ]),
        new("bicycle", [
            new Ring(-0.55f, 0.2f, 0.33f, 0.25f, D), new Ring(0.55f, 0.2f, 0.33f, 0.25f, D),
            new Capsule(-0.55f, 0.2f, -0.1f, -0.3f, 0.1f), new Capsule(-0.1f, -0.3f, 0f, 0.2f, 0.1f),
            new Capsule(0f, 0.2f, -0.55f, 0.2f, 0.1f), new Capsule(-0.1f, -0.3f, 0.4f, -0.3f, 0.1f),
            new Capsule(0.4f, -0.3f, 0f, 0.2f, 0.1f), new Capsule(0.4f, -0.3f, 0.55f, 0.2f, 0.09f),
            new Capsule(0.4f, -0.3f, 0.45f, -0.48f, 0.08f), new Capsule(0.35f, -0.48f, 0.58f, -0.48f, 0.07f, D),
            new Capsule(-0.1f, -0.3f, -0.14f, -0.42f, 0.07f), new Capsule(-0.26f, -0.44f, -0.04f, -0.44f, 0.08f, D),
        ]),
        new("person", [
            new Capsule(-0.08f, 0.1f, -0.1f, 0.5f, 0.1f, B, 0.8f), new Capsule(0.08f, 0.1f, 0.1f, 0.5f, 0.1f, B, 0.8f),
            new Capsule(-0.16f, -0.2f, -0.26f, 0.06f, 0.08f, B, 0.9f), new Capsule(0.16f, -0.2f, 0.26f, 0.06f, 0.08f, B, 0.9f),
            Polygon.Of(B, 1, -0.17f, 0.12f, -0.18f, -0.22f, -0.12f, -0.27f, 0.12f, -0.27f, 0.18f, -0.22f, 0.17f, 0.12f),
            Ellipse.Circle(0f, -0.39f, 0.11f, B, 1.08f),
        ]),
        new("dog", [
            new Capsule(-0.35f, 0.1f, -0.37f, 0.45f, 0.09f), new Capsule(-0.15f, 0.1f, -0.14f, 0.45f, 0.09f),
            new Capsule(0.2f, 0.1f, 0.22f, 0.45f, 0.09f), new Capsule(0.38f, 0.1f, 0.4f, 0.45f, 0.09f),
            new Capsule(-0.48f, -0.02f, -0.7f, -0.3f, 0.07f),
            new Ellipse(0f, 0f, 0.52f, 0.22f),
            Ellipse.Circle(0.55f, -0.22f, 0.17f), new Ellipse(0.74f, -0.18f, 0.12f, 0.08f, B, 0.95f),
            Polygon.Of(B, 0.75f, 0.42f, -0.3f, 0.5f, -0.5f, 0.58f, -0.32f),
            Ellipse.Circle(0.6f, -0.26f, 0.03f, D), Ellipse.Circle(0.85f, -0.2f, 0.03f, D),
        ]),
        new("ball", [
            Ellipse.Circle(0f, 0f, 0.5f),
            Ellipse.Circle(-0.16f, -0.16f, 0.12f, B, 1.3f),
        ]),
        new("box", [
            Polygon.Rect(-0.45f, -0.2f, 0.25f, 0.5f, B, 1f),
            Polygon.Of(B, 1.2f, -0.45f, -0.2f, -0.2f, -0.5f, 0.5f, -0.5f, 0.25f, -0.2f),
            Polygon.Of(B, 0.72f, 0.25f, -0.2f, 0.5f, -0.5f, 0.5f, 0.2f, 0.25f, 0.5f),
        ]),
        new("tree", [
            Polygon.Rect(-0.08f, 0.05f, 0.08f, 0.5f, B, 0.55f),
            Ellipse.Circle(-0.2f, 0f, 0.24f, B, 0.9f), Ellipse.Circle(0.2f, 0f, 0.24f, B, 0.95f),
            Ellipse.Circle(0f, -0.15f, 0.3f, B, 1f), Ellipse.Circle(0f, -0.36f, 0.19f, B, 1.05f),
        ]),
        new("house", [
            Polygon.Rect(-0.4f, -0.08f, 0.4f, 0.5f, B, 1f),
            Polygon.Of(B, 0.7f, -0.5f, -0.05f, 0f, -0.5f, 0.5f, -0.05f),
            Polygon.Rect(-0.08f, 0.2f, 0.08f, 0.5f, D),
            Polygon.Rect(0.17f, 0.05f, 0.32f, 0.2f, L), Polygon.Rect(-0.32f, 0.05f, -0.17f, 0.2f, L),
        ]),
    ];
}
