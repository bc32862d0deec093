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

    /// <summary>
    /// How close the map's cells stand: <see cref="FeatureDensity.Plain"/> (the default) one per 16
    /// input pixels at stage 3; denser maps run the stage's strided convolutions at stride 1 and
    /// dilate those after them, so every other cell is exactly the plain map's and the cells between
    /// are what the network sees half a cell further on: finer attention maps and boxes, at a cost
    /// (docs/real-world.md, "Denser cells", has what they bought on real footage and what not).
    /// </summary>
    public FeatureDensity Density { get; init; } = FeatureDensity.Plain;

    /// <summary>
    /// What features these options make, as a vocabulary file records it (for example
    /// <c>resnet18-imagenet/stage3-dense-across/640x480</c>): vectors from other features do not compare.
    /// </summary>
    public string Name => $"resnet18-imagenet/stage{Stage}{Density switch { FeatureDensity.DoubleAcross => "-dense-across", FeatureDensity.Double => "-dense", _ => "" }}/{Width}x{Height}";

    /// <summary>The map's rows and columns.</summary>
    internal (int Rows, int Columns) Cells
    {
        get
        {
            int stride = 1 << (Stage + 1);
            return (Height / stride * (Density == FeatureDensity.Double ? 2 : 1), Width / stride * (Density == FeatureDensity.Plain ? 1 : 2));
        }
    }

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
        if (!Enum.IsDefined(Density))
            throw new ArgumentOutOfRangeException(nameof(Density), Density, "feature density must be Plain, DoubleAcross or Double");
        if (Threads < 0)
            throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "threads must be 0 (one per core) or more");
    }
}
