using System.Text.Json;
using RealtimeMM.Preprocess;
using RealtimeMM.Fusion;
using RealtimeMM.Answering;

namespace RealtimeMM.Bundle;

/// <summary>
/// A loaded model bundle: manifest, tokenizer, the two ONNX encoders and the fusion weights, all
/// checked against each other. Owns the ONNX sessions; dispose it to release them.
/// </summary>
public sealed class ModelBundle : IDisposable
{
    ModelBundle(string folder, BundleManifest manifest, QuestionTokenizer tokenizer, FusionWeights fusion, OrtEncoder<float> vision, OrtEncoder<long> text, Calibration? calibration)
    {
        Calibration = calibration;
        Folder = folder;
        Manifest = manifest;
        Tokenizer = tokenizer;
        Fusion = fusion;
        Vision = vision;
        Text = text;
    }

    /// <summary>The bundle that ships with RealtimeMM, copied next to the program by the build.</summary>
    public static string DefaultFolder => Path.Combine(AppContext.BaseDirectory, "models", "rtmm-tiny");

    public string Folder { get; }
    public BundleManifest Manifest { get; }
    public QuestionTokenizer Tokenizer { get; }
    public FusionWeights Fusion { get; }

    /// <summary>Confidence temperatures, the not-sure threshold and the in-world model (<c>rtmm calibrate</c>); null when the bundle has none.</summary>
    public Calibration? Calibration { get; }
    internal OrtEncoder<float> Vision { get; }
    internal OrtEncoder<long> Text { get; }

    /// <summary>The preprocessing the vision encoder expects.</summary>
    public PreprocessSpec Preprocess => new()
    {
        Width = Manifest.ImageWidth,
        Height = Manifest.ImageHeight,
        Mean = new(Manifest.Mean[0], Manifest.Mean[1], Manifest.Mean[2]),
        Std = new(Manifest.Std[0], Manifest.Std[1], Manifest.Std[2]),
        Fit = Manifest.Fit,
        Filter = Manifest.Filter,
    };

    /// <summary>Loads and validates a bundle folder. Throws <see cref="ModelBundleException"/> naming the file and field.</summary>
    /// <param name="spinning">Whether ONNX Runtime's threads spin while waiting for work (lowest latency for a dedicated process; off for hosts that need their cores).</param>
    public static ModelBundle Load(string folder, int threads = 0, bool spinning = true)
    {
        if (!Directory.Exists(folder))
            throw new ModelBundleException(folder, "bundle", "folder not found");
        var m = BundleManifest.Load(Path.Combine(folder, "manifest.json"));
        string File(string name) => Path.Combine(folder, name);
        var vocabPath = File(m.VocabularyFile);
        if (!System.IO.File.Exists(vocabPath))
            throw new ModelBundleException(vocabPath, "tokenizer.file", "file not found");
        string[] vocab;
        try
        {
            vocab = JsonSerializer.Deserialize<string[]>(System.IO.File.ReadAllBytes(vocabPath)) ?? [];
        }
        catch (JsonException e)
        {
            throw new ModelBundleException(vocabPath, "vocabulary", $"not a JSON list of words ({e.Message})", e);
        }
        QuestionTokenizer tokenizer;
        try
        {
            tokenizer = new QuestionTokenizer(vocab, m.MaxTokens);
        }
        catch (ArgumentException e)
        {
            throw new ModelBundleException(vocabPath, "vocabulary", e.Message, e);
        }
        var fusion = FusionWeights.Load(File(m.FusionWeightsFile), m);
        var calibration = m.CalibrationFile is null ? null : Calibration.Load(File(m.CalibrationFile), 2 * m.ModelDim + m.EmbeddingDim);
        threads = threads > 0 ? threads : Math.Min(Environment.ProcessorCount, 4);
        int d = m.ModelDim, tokens = m.ImageTokens;
        OrtEncoder<float>? vision = null;
        try
        {
            vision = new OrtEncoder<float>(File(m.VisionFile), "image", [1, 3, m.ImageHeight, m.ImageWidth],
                [("tokens", [1, tokens, d]), ("embedding", [1, m.EmbeddingDim])], threads, spinning);
            var text = new OrtEncoder<long>(File(m.TextFile), "tokens", [1, m.MaxTokens],
                [("states", [1, m.MaxTokens, d]), ("embedding", [1, m.EmbeddingDim])], threads, spinning);
            return new ModelBundle(Path.GetFullPath(folder), m, tokenizer, fusion, vision, text, calibration);
        }
        catch
        {
            vision?.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Vision.Dispose();
        Text.Dispose();
    }
}
