using System.Numerics;
using System.Numerics.Tensors;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using RealtimeMM.Features;
using RealtimeMM.Frames;
using RealtimeMM.Gpu;
using RealtimeMM.Preprocess;

namespace RealtimeMM.Clip;

/// <summary>
/// A CLIP model in the layout a Hugging Face CLIP exported to ONNX has (transformers.js, optimum's
/// separate encoders): <c>onnx/text_model.onnx</c> (<c>input_ids</c>, <c>attention_mask</c> →
/// <c>text_embeds</c>, <c>last_hidden_state</c>), <c>onnx/vision_model.onnx</c> (<c>pixel_values</c> →
/// <c>image_embeds</c>, <c>last_hidden_state</c>), the tokenizer's <c>vocab.json</c> and
/// <c>merges.txt</c>, <c>config.json</c> and <c>preprocessor_config.json</c> (docs/clip-bundles.md).
/// Frames are preprocessed like the scene model's (Vulkan or CPU): resized to cover the model's input,
/// centre-cropped, normalised with the bundle's mean and std. Not thread-safe.
/// </summary>
public sealed class ClipBundle : IDisposable
{
    readonly InferenceSession text, vision;
    // held for the bundle's life: a RunOptions passed inline as `new RunOptions()` is unreachable once Run has read its
    // native handle, so optimised code lets its finalizer free the handle mid-run (it crashed the test host, session 16)
    readonly RunOptions runOptions = new();
    readonly IPreprocessor preprocessor;
    readonly float[] pixels;
    readonly float[] gamma, beta, projection; // the vision model's final layer norm and projection, for the patch tokens
    readonly float epsilon;

    ClipBundle(string folder, ClipTokenizer tokenizer, InferenceSession text, InferenceSession vision, IPreprocessor preprocessor,
        int imageSize, int patchSize, int hidden, int dimensions, float[] gamma, float[] beta, float[] projection, float epsilon)
    {
        Folder = folder;
        Tokenizer = tokenizer;
        this.text = text;
        this.vision = vision;
        this.preprocessor = preprocessor;
        ImageSize = imageSize;
        Grid = imageSize / patchSize;
        Hidden = hidden;
        Dimensions = dimensions;
        this.gamma = gamma;
        this.beta = beta;
        this.projection = projection;
        this.epsilon = epsilon;
        pixels = new float[3 * imageSize * imageSize];
    }

    public string Folder { get; }
    public ClipTokenizer Tokenizer { get; }
    public int ImageSize { get; }

    /// <summary>Patches across (and down) the image.</summary>
    public int Grid { get; }

    /// <summary>The vision transformer's width.</summary>
    public int Hidden { get; }

    /// <summary>The shared embedding's size (projection_dim).</summary>
    public int Dimensions { get; }

    /// <summary>How sharply similarities become probabilities (CLIP's learnt logit scale: the exponential of config.json's "logit_scale", else 100, the OpenAI models' value).</summary>
    public float LogitScale { get; private init; } = 100f;

    /// <summary>
    /// How a name is said to the text model: templates with <c>{0}</c> for the name (and <c>{color}</c>,
    /// said with each of the world's colors). The bundle's <c>prompts.json</c> (a JSON array) when it has
    /// one, else CLIP's usual ensemble.
    /// </summary>
    public IReadOnlyList<string> PromptTemplates { get; private init; } = DefaultPrompts;

    /// <summary>CLIP's usual prompt ensemble.</summary>
    public static readonly IReadOnlyList<string> DefaultPrompts = ["a photo of a {0}", "a picture of a {0}", "a {0}", "there is a {0} in the scene"];

    /// <summary>What a patch that shows none of the names is said to be: the bundle's <c>prompts.json</c> "background", else "a photo of the background".</summary>
    public IReadOnlyList<string> BackgroundPrompts { get; private init; } = ["a photo of the background"];

    /// <summary>prompts.json: {"templates": [...], "background": [...]} (or just the templates' array).</summary>
    static (IReadOnlyList<string> Templates, IReadOnlyList<string>? Background) Prompts(string path)
    {
        if (!File.Exists(path))
            return (DefaultPrompts, null);
        using var doc = Json(path);
        var root = doc.RootElement;
        var templates = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("templates", out var t) ? t : root;
        bool Strings(JsonElement e, bool withName) => e.ValueKind == JsonValueKind.Array && e.GetArrayLength() > 0
            && e.EnumerateArray().All(x => x.ValueKind == JsonValueKind.String && (!withName || x.GetString()!.Contains("{0}")));
        if (!Strings(templates, withName: true))
            throw new ClipBundleException(path, "\"templates\" must be a JSON array of prompts, each with {0} where the name goes");
        IReadOnlyList<string>? background = null;
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("background", out var b))
            background = Strings(b, withName: false) ? b.EnumerateArray().Select(x => x.GetString()!).ToList()
                : throw new ClipBundleException(path, "\"background\" must be a JSON array of prompts");
        return (templates.EnumerateArray().Select(x => x.GetString()!).ToList(), background);
    }

    /// <summary>Where frames are preprocessed: <c>vulkan:NAME</c> or <c>cpu</c>.</summary>
    public string Device => preprocessor.Device;

    /// <summary>Loads a bundle; throws <see cref="ClipBundleException"/> naming the file and the problem.</summary>
    /// <param name="fit">How frames meet the square input: centre-cropped as CLIP was trained (the default), or stretched so every part of a wide frame is seen (answering where things are).</param>
    public static ClipBundle Load(string folder, DevicePreference device = DevicePreference.Auto, VulkanDevice? gpu = null, int threads = 0, FitMode fit = FitMode.CenterCrop)
    {
        string Path(string name) => System.IO.Path.Combine(folder, name);
        if (!Directory.Exists(folder))
            throw new ClipBundleException(folder, "no such folder");
        using var config = Json(Path("config.json"));
        using var pre = Json(Path("preprocessor_config.json"));
        var c = config.RootElement;
        int Int(JsonElement e, string file, params string[] names)
        {
            foreach (var n in names)
            {
                if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(n, out var v))
                    throw new ClipBundleException(Path(file), $"missing '{string.Join(".", names)}'");
                e = v;
            }
            return e.TryGetInt32(out int i) && i > 0 ? i : throw new ClipBundleException(Path(file), $"'{string.Join(".", names)}' must be a positive integer");
        }
        int imageSize = Int(c, "config.json", "vision_config", "image_size"), patch = Int(c, "config.json", "vision_config", "patch_size");
        int hidden = Int(c, "config.json", "vision_config", "hidden_size"), dims = Int(c, "config.json", "projection_dim");
        // the learnt logit scale lives in the full CLIPModel, not in its encoders: config.json's "logit_scale" (its log, as the
        // model stores it; written by clip_small.py) when there is one, else 100, what the OpenAI models learnt (logit_scale_init_value is only where training started)
        float scale = c.TryGetProperty("logit_scale", out var ls) && ls.TryGetSingle(out float l) && float.IsFinite(l) ? MathF.Exp(l) : 100f;
        int length = c.TryGetProperty("text_config", out var tc) && tc.TryGetProperty("max_position_embeddings", out var mp) ? mp.GetInt32() : 77;
        float epsilon = tc.ValueKind == JsonValueKind.Object && c.GetProperty("vision_config").TryGetProperty("layer_norm_eps", out var eps) ? eps.GetSingle() : 1e-5f;
        if (imageSize % patch != 0)
            throw new ClipBundleException(Path("config.json"), $"image_size {imageSize} is not a multiple of patch_size {patch}");
        Vector3 Triple(string name)
        {
            if (!pre.RootElement.TryGetProperty(name, out var a) || a.ValueKind != JsonValueKind.Array || a.GetArrayLength() != 3)
                throw new ClipBundleException(Path("preprocessor_config.json"), $"'{name}' must be three numbers (RGB)");
            return new Vector3(a[0].GetSingle(), a[1].GetSingle(), a[2].GetSingle());
        }
        var spec = new PreprocessSpec { Width = imageSize, Height = imageSize, Fit = fit, Mean = Triple("image_mean"), Std = Triple("image_std") };
        var tokenizer = ClipTokenizer.Load(Path("vocab.json"), Path("merges.txt"), length);
        string textPath = Path(System.IO.Path.Combine("onnx", "text_model.onnx")), visionPath = Path(System.IO.Path.Combine("onnx", "vision_model.onnx"));
        var options = new SessionOptions { IntraOpNumThreads = threads > 0 ? threads : Environment.ProcessorCount, InterOpNumThreads = 1 };
        InferenceSession? t = null, v = null;
        IPreprocessor? p = null;
        try
        {
            t = Session(textPath, options, ["input_ids", "attention_mask"], ["text_embeds", "last_hidden_state"]);
            v = Session(visionPath, options, ["pixel_values"], ["image_embeds", "last_hidden_state"]);
            var (gamma, beta, projection) = HeadOf(visionPath, hidden, dims);
            var prompts = Prompts(Path("prompts.json"));
            p = Preprocessors.Create(spec, device, gpu);
            return new ClipBundle(folder, tokenizer, t, v, p, imageSize, patch, hidden, dims, gamma, beta, projection, epsilon) { LogitScale = scale, PromptTemplates = prompts.Templates, BackgroundPrompts = prompts.Background ?? ["a photo of the background"] };
        }
        catch
        {
            t?.Dispose();
            v?.Dispose();
            p?.Dispose();
            throw;
        }
        finally
        {
            options.Dispose();
        }
    }

    static JsonDocument Json(string path)
    {
        if (!File.Exists(path))
            throw new ClipBundleException(path, "not found");
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new ClipBundleException(path, $"not JSON ({e.Message})", e);
        }
    }

    static InferenceSession Session(string path, SessionOptions options, string[] inputs, string[] outputs)
    {
        if (!File.Exists(path))
            throw new ClipBundleException(path, "not found");
        InferenceSession s;
        try
        {
            s = new InferenceSession(path, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ClipBundleException(path, $"ONNX Runtime cannot load it ({e.Message.ReplaceLineEndings(" ")})", e);
        }
        foreach (var (names, have, what) in new[] { (inputs, s.InputMetadata.Keys, "input"), (outputs, s.OutputMetadata.Keys, "output") })
            foreach (var n in names)
                if (!have.Contains(n))
                {
                    s.Dispose();
                    throw new ClipBundleException(path, $"{what} '{n}' missing; the model has {string.Join(", ", have.Select(k => $"'{k}'"))} (a Hugging Face CLIP export names them {string.Join(", ", names.Select(k => $"'{k}'"))})");
                }
        return s;
    }

    /// <summary>
    /// The vision model's final layer norm (scale, bias) and projection [hidden, dims], found in its graph:
    /// the MatMul that makes <c>image_embeds</c> and the layer norm feeding it (one node, or the
    /// ReduceMean … Mul, Add of exports before opset 17).
    /// </summary>
    static (float[] Gamma, float[] Beta, float[] Projection) HeadOf(string path, int hidden, int dims)
    {
        var model = File.ReadAllBytes(path);
        var nodes = OnnxSurgery.Nodes(model);
        var inits = OnnxSurgery.InitializerNames(model);
        OnnxSurgery.Node? Producer(string tensor) => nodes.LastOrDefault(n => n.Outputs.Contains(tensor));
        string? Weight(OnnxSurgery.Node n) => n.Inputs.FirstOrDefault(inits.Contains);
        ClipBundleException Unexpected(string why) => new(path, $"cannot find the final layer norm and projection of 'image_embeds' ({why}); dense maps need them");
        var matmul = Producer("image_embeds") is { OpType: "MatMul" } m ? m : throw Unexpected("'image_embeds' does not come from a MatMul");
        var (projection, pdims) = OnnxSurgery.Initializer(model, Weight(matmul) ?? throw Unexpected("the MatMul has no weight"));
        if (pdims.Length != 2 || pdims[0] != hidden || pdims[1] != dims)
            throw Unexpected($"projection [{string.Join(", ", pdims)}], config says [{hidden}, {dims}]");
        var x = Producer(matmul.Inputs.First(i => !inits.Contains(i)));
        float[] gamma, beta;
        if (x is { OpType: "LayerNormalization" })
        {
            gamma = OnnxSurgery.Initializer(model, x.Inputs[1]).Values;
            beta = OnnxSurgery.Initializer(model, x.Inputs[2]).Values;
        }
        else if (x is { OpType: "Add" } add && Weight(add) is { } b && Producer(add.Inputs.First(i => i != b)) is { OpType: "Mul" } mul && Weight(mul) is { } g)
        {
            gamma = OnnxSurgery.Initializer(model, g).Values;
            beta = OnnxSurgery.Initializer(model, b).Values;
        }
        else
            throw Unexpected($"its input comes from {x?.OpType ?? "nothing"}");
        if (gamma.Length != hidden || beta.Length != hidden)
            throw Unexpected($"layer norm of {gamma.Length}, config says {hidden}");
        return (gamma, beta, projection);
    }

    /// <summary>The unit text embedding of <paramref name="text"/>.</summary>
    public float[] EncodeText(string text)
    {
        var (ids, mask) = Tokenizer.Encode(text);
        using var idValue = OrtValue.CreateTensorValueFromMemory(ids, [1, ids.Length]);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, [1, mask.Length]);
        using var results = this.text.Run(runOptions, ["input_ids", "attention_mask"], [idValue, maskValue], ["text_embeds"]);
        var e = results[0].GetTensorDataAsSpan<float>().ToArray();
        FeatureMap.Normalise(e);
        return e;
    }

    /// <summary>Preprocesses a frame and encodes it: the unit image embedding and a unit embedding per patch.</summary>
    public ClipImage EncodeImage(ImageView frame)
    {
        frame.Validate();
        preprocessor.Run(frame, pixels);
        return EncodePixels(pixels);
    }

    /// <summary>Encodes an already preprocessed [3, size, size] tensor (the reference tests feed PyTorch's).</summary>
    public ClipImage EncodePixels(float[] pixelValues)
    {
        if (pixelValues.Length != 3 * ImageSize * ImageSize)
            throw new ArgumentException($"pixel values hold {pixelValues.Length} numbers; the model takes 3x{ImageSize}x{ImageSize}", nameof(pixelValues));
        using var input = OrtValue.CreateTensorValueFromMemory(pixelValues, [1, 3, ImageSize, ImageSize]);
        using var results = vision.Run(runOptions, ["pixel_values"], [input], ["image_embeds", "last_hidden_state"]);
        var embedding = results[0].GetTensorDataAsSpan<float>().ToArray();
        FeatureMap.Normalise(embedding);
        var states = results[1].GetTensorDataAsSpan<float>();
        int patches = Grid * Grid;
        if (states.Length != (patches + 1) * Hidden)
            throw new ClipBundleException(System.IO.Path.Combine(Folder, "onnx", "vision_model.onnx"), $"last_hidden_state has {states.Length} numbers, not {patches + 1} tokens of {Hidden}");
        var dense = new float[patches * Dimensions];
        var normed = new float[Hidden];
        for (int p = 0; p < patches; p++)
        {
            var token = states.Slice((p + 1) * Hidden, Hidden);
            float mean = TensorPrimitives.Sum(token) / Hidden;
            float var = 0;
            foreach (float v in token)
                var += (v - mean) * (v - mean);
            float inv = 1f / MathF.Sqrt(var / Hidden + epsilon);
            for (int i = 0; i < Hidden; i++)
                normed[i] = (token[i] - mean) * inv * gamma[i] + beta[i];
            var o = dense.AsSpan(p * Dimensions, Dimensions);
            for (int i = 0; i < Hidden; i++)
                TensorPrimitives.MultiplyAdd(projection.AsSpan(i * Dimensions, Dimensions), normed[i], o, o);
            FeatureMap.Normalise(o);
        }
        return new ClipImage(embedding, dense, Grid, Grid, Dimensions);
    }

    public void Dispose()
    {
        text.Dispose();
        vision.Dispose();
        runOptions.Dispose();
        preprocessor.Dispose();
    }
}
