using RealtimeMM.Gpu;

namespace RealtimeMM.Features;

/// <summary>How <see cref="ImageFeatures"/> looks at a frame: the network's input size and the stage whose map it keeps.</summary>
public sealed record ImageFeatureOptions
{
    /// <summary>Input width the frame is resized to (a multiple of 32). 640x480 streams keep their shape at 4:3.</summary>
    public int Width { get; init; } = 640;

    /// <summary>Input height (a multiple of 32).</summary>
    public int Height { get; init; } = 480;

    /// <summary>
    /// The ResNet stage whose output is the feature map: 3 (256 channels, one cell per 16 input
    /// pixels) or 4 (512 channels, one per 32). docs/real-world.md has the measurement behind the default.
    /// </summary>
    public int Stage { get; init; } = 3;

    /// <summary>Where preprocessing runs; the network runs in ONNX Runtime on the CPU.</summary>
    public DevicePreference Device { get; init; } = DevicePreference.Auto;

    /// <summary>ONNX Runtime threads (0: one per core).</summary>
    public int Threads { get; init; }

    /// <summary>Whether ONNX Runtime's threads spin while waiting for work (see <c>ModelBundle.Load</c>).</summary>
    public bool Spinning { get; init; } = true;

    /// <summary>
    /// The folder holding <c>ResNet18Onnx/ResNet18.onnx</c> and <c>ResNetPrepOnnx/ResNetPreprocess.onnx</c>
    /// as NuGet <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c> puts them next to the program (the default).
    /// </summary>
    public string? ModelFolder { get; init; }

    /// <summary>Throws naming the first option out of range.</summary>
    public void Validate()
    {
        if (Width is < 32 or > 2048 || Width % 32 != 0)
            throw new ArgumentOutOfRangeException(nameof(Width), Width, "feature input width must be a multiple of 32 within 32..2048");
        if (Height is < 32 or > 2048 || Height % 32 != 0)
            throw new ArgumentOutOfRangeException(nameof(Height), Height, "feature input height must be a multiple of 32 within 32..2048");
        if (Stage is < 2 or > 4)
            throw new ArgumentOutOfRangeException(nameof(Stage), Stage, "feature stage must be 2, 3 or 4");
        if (Threads < 0)
            throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "threads must be 0 (one per core) or more");
    }
}
