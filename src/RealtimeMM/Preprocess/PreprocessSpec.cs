using System.Numerics;

namespace RealtimeMM.Preprocess;

/// <summary>
/// What the model's input expects: size, resampling, fit, normalisation and element type. The
/// output tensor is NCHW with N = 1, channels in RGB order: <c>(pixel / 255 - mean) / std</c>.
/// </summary>
public sealed record PreprocessSpec
{
    /// <summary>CLIP's normalisation, in RGB order.</summary>
    public static readonly Vector3 ClipMean = new(0.48145466f, 0.4578275f, 0.40821073f), ClipStd = new(0.26862954f, 0.26130258f, 0.27577711f);

    public int Width { get; init; } = 224;
    public int Height { get; init; } = 224;
    public ResizeFilter Filter { get; init; } = ResizeFilter.Bilinear;
    public FitMode Fit { get; init; } = FitMode.Stretch;

    /// <summary>Per-channel mean in [0, 1] units, RGB order.</summary>
    public Vector3 Mean { get; init; } = ClipMean;

    /// <summary>Per-channel standard deviation, RGB order.</summary>
    public Vector3 Std { get; init; } = ClipStd;

    public TensorElement Element { get; init; } = TensorElement.Float32;

    /// <summary>Elements in the output tensor: 3 * Height * Width.</summary>
    public int OutputLength => 3 * Width * Height;

    /// <summary>Throws naming the first field that is out of range.</summary>
    public void Validate()
    {
        if (Width is < 1 or > 8192 || Height is < 1 or > 8192)
            throw new ArgumentOutOfRangeException(nameof(Width), $"model input {Width}x{Height} must be within 1..8192 each way");
        if (!(Std.X > 0 && Std.Y > 0 && Std.Z > 0) || !float.IsFinite(Std.X + Std.Y + Std.Z))
            throw new ArgumentOutOfRangeException(nameof(Std), Std, "std must be positive and finite in every channel");
        if (!float.IsFinite(Mean.X + Mean.Y + Mean.Z))
            throw new ArgumentOutOfRangeException(nameof(Mean), Mean, "mean must be finite");
    }
}
