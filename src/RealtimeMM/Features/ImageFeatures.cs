using System.Numerics;
using RealtimeMM.Bundle;
using RealtimeMM.Frames;
using RealtimeMM.Gpu;
using RealtimeMM.Preprocess;

namespace RealtimeMM.Features;

/// <summary>
/// Real-image features: ImageNet ResNet18 (NuGet <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c>,
/// MIT) cut after one stage, so a frame becomes a grid of feature vectors rather than one pooled
/// vector. The network is assembled when it opens, from the package's files next to the program:
/// its input made free of the fixed 224x224, the pooling and everything after the chosen stage cut
/// away, its first convolution reading RGB; the package's mean image becomes a per-channel mean in
/// the preprocessing spec, so frames are preprocessed like the scene model's (Vulkan or CPU).
/// Nothing is fetched. Not thread-safe.
/// </summary>
public sealed class ImageFeatures : IDisposable
{
    readonly OrtEncoder<float> encoder;
    readonly IPreprocessor preprocessor;
    readonly FeatureMap map;
    readonly PreprocessSpec spec;

    ImageFeatures(ImageFeatureOptions options, OrtEncoder<float> encoder, IPreprocessor preprocessor, int channels)
    {
        spec = preprocessor.Spec;
        Options = options;
        this.encoder = encoder;
        this.preprocessor = preprocessor;
        map = new FeatureMap(options.Cells.Rows, options.Cells.Columns, channels, options.Width, options.Height);
    }

    public ImageFeatureOptions Options { get; }

    /// <summary>What the features are, as a vocabulary file records it: vectors from another extractor do not compare.</summary>
    public string Name => Options.Name;

    /// <summary>Where preprocessing runs: <c>vulkan:NAME</c> or <c>cpu</c>.</summary>
    public string Device => preprocessor.Device;

    public int Rows => map.Rows;
    public int Columns => map.Columns;
    public int Channels => map.Channels;

    /// <summary>The default folder: <c>DnnImageModels</c> next to the program.</summary>
    public static string DefaultModelFolder => Path.Combine(AppContext.BaseDirectory, "DnnImageModels");

    /// <summary>
    /// Opens the network. Throws <see cref="ModelBundleException"/> naming the file when the package's
    /// files are missing or not the ResNet18 it expects.
    /// </summary>
    public static ImageFeatures Open(ImageFeatureOptions? options = null, VulkanDevice? device = null, Action<string>? warn = null)
    {
        options ??= new ImageFeatureOptions();
        options.Validate();
        string folder = options.ModelFolder ?? DefaultModelFolder;
        string netPath = Path.Combine(folder, "ResNet18Onnx", "ResNet18.onnx"), prepPath = Path.Combine(folder, "ResNetPrepOnnx", "ResNetPreprocess.onnx");
        foreach (var p in new[] { netPath, prepPath })
            if (!File.Exists(p))
                throw new ModelBundleException(p, "file", "not found (it comes with NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 0.24.0; reference it or set ImageFeatureOptions.ModelFolder)");
        byte[] cut;
        string output;
        Vector3 mean;
        int channels;
        try
        {
            var net = File.ReadAllBytes(netPath);
            output = StageOutput(net, options.Stage);
            cut = OnnxSurgery.CutAt(net, output, swapInputChannels: true);
            if (options.Density != FeatureDensity.Plain)
                cut = OnnxSurgery.Densify(cut, StageOutput(net, options.Stage - 1), rowsToo: options.Density == FeatureDensity.Double);
            channels = 32 << options.Stage;
            // The preprocessing model subtracts a 224x224 BGR mean image from 0..255 pixels: its per-channel mean, in RGB, in [0, 1] units
            var (values, dims) = OnnxSurgery.Initializer(File.ReadAllBytes(prepPath), "MeanImage");
            int plane = (int)(dims[^1] * dims[^2]);
            float Channel(int bgr) => values.AsSpan(bgr * plane, plane).ToArray().Average() / 255f;
            mean = new Vector3(Channel(2), Channel(1), Channel(0));
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or InvalidOperationException)
        {
            throw new ModelBundleException(netPath, "graph", $"not the ResNet18 this SDK expects ({e.Message})", e);
        }
        var spec = new PreprocessSpec { Width = options.Width, Height = options.Height, Mean = mean, Std = new Vector3(1 / 255f), Fit = FitMode.Stretch };
        var (rows, columns) = options.Cells;
        var encoder = new OrtEncoder<float>(netPath, OnnxSurgery.InputName(cut), [1, 3, options.Height, options.Width],
            [(output, [1, channels, rows, columns])],
            options.Threads > 0 ? options.Threads : Environment.ProcessorCount, options.Spinning, model: cut);
        IPreprocessor? pre = null;
        try
        {
            pre = Preprocessors.Create(spec, options.Device, device, warn);
            return new ImageFeatures(options, encoder, pre, channels);
        }
        catch
        {
            pre?.Dispose();
            encoder.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The frame's feature map, each cell a unit vector. The map is reused by the next call: copy
    /// what must outlive it (<see cref="FeatureMap.Pool"/> returns a copy).
    /// </summary>
    public FeatureMap Extract(ImageView frame)
    {
        frame.Validate();
        preprocessor.Run(frame, encoder.Input);
        encoder.Run();
        var output = encoder.Outputs[0];
        int cells = map.Rows * map.Columns, c = map.Channels;
        var dst = map.Cells;
        for (int ch = 0; ch < c; ch++)
        {
            int from = ch * cells;
            for (int i = 0; i < cells; i++)
                dst[i * c + ch] = output[from + i];
        }
        for (int i = 0; i < cells; i++)
            FeatureMap.Normalise(dst.AsSpan(i * c, c));
        map.FrameWidth = frame.Width;
        map.FrameHeight = frame.Height;
        return map;
    }

    /// <summary>
    /// The last frame as the network saw it: <see cref="ImageFeatureOptions.Width"/> x
    /// <see cref="ImageFeatureOptions.Height"/> pixels, RGB interleaved, 8 bits (for colors of what it found).
    /// </summary>
    internal void InputRgb(Span<byte> rgb)
    {
        int plane = spec.Width * spec.Height;
        if (rgb.Length < 3 * plane)
            throw new ArgumentException($"room for {rgb.Length} bytes, the input image has {3 * plane}", nameof(rgb));
        var input = encoder.Input;
        for (int c = 0; c < 3; c++)
        {
            float mean = 255f * (c == 0 ? spec.Mean.X : c == 1 ? spec.Mean.Y : spec.Mean.Z);
            for (int i = 0; i < plane; i++)
                rgb[3 * i + c] = (byte)Math.Clamp(MathF.Round(input[c * plane + i] + mean), 0, 255);
        }
    }

    /// <summary>
    /// The tensor that ends ResNet stage <paramref name="stage"/> (1..4): the ReLU after the last
    /// residual addition before the next stage's first block, whose shortcut is a strided
    /// projection (both of its addition's inputs come from batch normalisations).
    /// </summary>
    static string StageOutput(byte[] net, int stage)
    {
        var nodes = OnnxSurgery.Nodes(net);
        var producer = nodes.SelectMany(n => n.Outputs.Select(o => (o, n.OpType))).ToDictionary(p => p.o, p => p.OpType);
        var adds = nodes.Where(n => n.OpType == "Add").ToList();
        var firstOfStage = adds.Select((n, i) => (n, i))
            .Where(p => p.n.Inputs.All(x => producer.GetValueOrDefault(x) == "BatchNormalization")).Select(p => p.i).ToList();
        if (firstOfStage.Count != 3)
            throw new InvalidDataException($"ResNet18 has 3 stages that begin with a projection, this graph {firstOfStage.Count}");
        int last = stage < 4 ? firstOfStage[stage - 1] - 1 : adds.Count - 1;
        string add = adds[last].Outputs[0];
        return nodes.FirstOrDefault(n => n.OpType == "Relu" && n.Inputs.Contains(add))?.Outputs[0]
            ?? throw new InvalidDataException($"no ReLU follows residual addition '{add}'");
    }

    public void Dispose()
    {
        preprocessor.Dispose();
        encoder.Dispose();
    }
}
