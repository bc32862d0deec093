namespace RealtimeMM.Features;

/// <summary>A rectangle in frame pixels: left, top, width, height.</summary>
public readonly record struct BoxF(float X, float Y, float Width, float Height)
{
    public float Right => X + Width;
    public float Bottom => Y + Height;
    public float Area => Math.Max(0, Width) * Math.Max(0, Height);

    /// <summary>Intersection over union with another box (0 when either is empty).</summary>
    public float IoU(BoxF other)
    {
        float w = Math.Min(Right, other.Right) - Math.Max(X, other.X), h = Math.Min(Bottom, other.Bottom) - Math.Max(Y, other.Y);
        if (w <= 0 || h <= 0)
            return 0;
        float i = w * h;
        return i / (Area + other.Area - i);
    }

    /// <summary>Whether the point lies inside the box.</summary>
    public bool Contains(float x, float y) => x >= X && x < Right && y >= Y && y < Bottom;

    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming the problem when the box is empty, has no area,
    /// or lies outside a <paramref name="frameWidth"/> x <paramref name="frameHeight"/> frame.
    /// </summary>
    public void Validate(int frameWidth, int frameHeight, string name = "box")
    {
        if (!float.IsFinite(X) || !float.IsFinite(Y) || !float.IsFinite(Width) || !float.IsFinite(Height))
            throw new ArgumentException($"{name} {this} has a number that is not finite", name);
        if (Width <= 0 || Height <= 0)
            throw new ArgumentException($"{name} {X},{Y} {Width}x{Height} has no area", name);
        if (X < 0 || Y < 0 || Right > frameWidth || Bottom > frameHeight)
            throw new ArgumentException($"{name} {X},{Y} {Width}x{Height} reaches outside the {frameWidth}x{frameHeight} frame", name);
    }

    public override string ToString() => $"{X},{Y} {Width}x{Height}";
}
