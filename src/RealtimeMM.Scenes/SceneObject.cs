namespace RealtimeMM.Scenes;

/// <summary>An object's placement and look, in frame pixels; moves by its velocity in clips.</summary>
internal sealed class SceneObject
{
    public int Id;
    public int ClassIndex;
    public int ColorIndex;
    public (byte R, byte G, byte B) Rgb;
    public float Cx, Cy;
    /// <summary>Height of the unrotated shape in pixels.</summary>
    public float Size;
    public float Rotation;
    /// <summary>Horizontal squash (perspective): the shape's width is Aspect * Size * Squash.</summary>
    public float Squash;
    public float LightAngle, LightStrength;
    /// <summary>Randomised style (training only; all off by default): drawn mirrored, its parts' shades apart, a texture over it.</summary>
    public bool Mirror;
    public float PartJitter;
    public SceneTexture Texture;
    public float TextureFrequency, TextureAngle;
    /// <summary>Pixels per second (clips only).</summary>
    public float Vx, Vy;

    public ClassShape Shape => ClassShapes.All[ClassIndex];
    public string ClassName => SceneWorld.Classes[ClassIndex];
    public string ColorName => SceneWorld.Colors[ColorIndex];

    /// <summary>Half extent of the axis-aligned box around the rotated shape.</summary>
    public (float Hx, float Hy) HalfExtent
    {
        get
        {
            float w = Shape.Aspect * Size * Squash / 2, h = Size / 2;
            float c = MathF.Abs(MathF.Cos(Rotation)), s = MathF.Abs(MathF.Sin(Rotation));
            return (w * c + h * s, w * s + h * c);
        }
    }

    public (float X0, float Y0, float X1, float Y1) Extent
    {
        get
        {
            var (hx, hy) = HalfExtent;
            return (Cx - hx, Cy - hy, Cx + hx, Cy + hy);
        }
    }
}

/// <summary>A texture over an object's body in the randomised style: brightness stripes, a checker or blotches.</summary>
internal enum SceneTexture { None, Stripes, Checker, Blotches }
