using System.Text.Json;

namespace RealtimeMM.Models;

/// <summary>
/// A bundle's <c>manifest.json</c>, read field by field: every required field is checked and a
/// missing or wrong one is reported by its path (<c>image.width</c>, <c>vision.file</c>).
/// </summary>
public sealed record BundleManifest
{
    public required string Name { get; init; }
    public required string Kind { get; init; }
    public required int ImageWidth { get; init; }
    public required int ImageHeight { get; init; }
    public required float[] Mean { get; init; }
    public required float[] Std { get; init; }
    public required int GridWidth { get; init; }
    public required int GridHeight { get; init; }
    public required int ExtraTokens { get; init; }
    public required int ModelDim { get; init; }
    public required int EmbeddingDim { get; init; }
    public required int Heads { get; init; }
    public required int FusionLayers { get; init; }
    public required int FeedForward { get; init; }
    public required int MaxTokens { get; init; }
    public required string VisionFile { get; init; }
    public required string TextFile { get; init; }
    public required string FusionWeightsFile { get; init; }
    public string? FusionOracleFile { get; init; }
    public required string VocabularyFile { get; init; }
    public required string[] Answers { get; init; }
    public required string[] QuestionKinds { get; init; }
    public string[] HoldoutPairs { get; init; } = [];

    /// <summary>
    /// Cosine similarity between a text query and a frame above which the frame shows what the text
    /// says (<c>retrieval.match_threshold</c>, calibrated on generated frames when the bundle was
    /// made); text search and alerts use it. Null when the bundle has none.
    /// </summary>
    public float? MatchThreshold { get; init; }

    /// <summary>The calibration file (<c>calibration.file</c>): confidence temperatures, the not-sure threshold and the in-world model; null when the bundle has none.</summary>
    public string? CalibrationFile { get; init; }

    /// <summary>The synonym table (<c>words.file</c>) the question normaliser reads; null when the bundle has none.</summary>
    public string? WordsFile { get; init; }

    /// <summary>How frames are fitted to the input (<c>image.fit</c>: stretch, crop or letterbox; default stretch).</summary>
    public Preprocess.FitMode Fit { get; init; } = Preprocess.FitMode.Stretch;

    /// <summary>How frames are resampled (<c>image.filter</c>: bilinear or area; default bilinear).</summary>
    public Preprocess.ResizeFilter Filter { get; init; } = Preprocess.ResizeFilter.Bilinear;

    /// <summary>Image tokens the vision encoder gives: the grid plus the extra (null) tokens.</summary>
    public int ImageTokens => GridWidth * GridHeight + ExtraTokens;

    internal static readonly System.Text.UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static BundleManifest Load(string path)
    {
        if (!File.Exists(path))
            throw new ModelBundleException(path, "manifest", "file not found");
        JsonDocument doc;
        try
        {
            var bytes = File.ReadAllBytes(path);
            StrictUtf8.GetCharCount(bytes); // JSON strings are read lazily: bad UTF-8 inside one would surface later as a bare InvalidOperationException
            doc = JsonDocument.Parse(bytes);
        }
        catch (JsonException e)
        {
            throw new ModelBundleException(path, "manifest", $"not valid JSON ({e.Message})", e);
        }
        catch (System.Text.DecoderFallbackException e)
        {
            throw new ModelBundleException(path, "manifest", $"not valid UTF-8 ({e.Message})", e);
        }
        using (doc)
        {
            var r = new Reader(path, doc.RootElement);
            if (r.Str("format") != "rtmm-bundle")
                throw new ModelBundleException(path, "format", $"expected \"rtmm-bundle\", got \"{r.Str("format")}\"");
            if (r.Int("version") != 1)
                throw new ModelBundleException(path, "version", $"this build reads version 1, the bundle is version {r.Int("version")}");
            var m = new BundleManifest
            {
                Name = r.Str("name"),
                Kind = r.Str("kind"),
                ImageWidth = r.Positive("image.width"),
                ImageHeight = r.Positive("image.height"),
                Mean = r.Floats("image.mean", 3),
                Std = r.Floats("image.std", 3),
                Fit = !r.Has("image.fit") ? Preprocess.FitMode.Stretch : r.Str("image.fit") switch
                {
                    "stretch" => Preprocess.FitMode.Stretch,
                    "crop" or "center-crop" => Preprocess.FitMode.CenterCrop,
                    "letterbox" => Preprocess.FitMode.Letterbox,
                    var other => throw new ModelBundleException(path, "image.fit", $"'{other}' is not one of stretch, crop, letterbox"),
                },
                Filter = !r.Has("image.filter") ? Preprocess.ResizeFilter.Bilinear : r.Str("image.filter") switch
                {
                    "bilinear" => Preprocess.ResizeFilter.Bilinear,
                    "area" => Preprocess.ResizeFilter.Area,
                    var other => throw new ModelBundleException(path, "image.filter", $"'{other}' is not one of bilinear, area"),
                },
                GridWidth = r.Positive("grid.width"),
                GridHeight = r.Positive("grid.height"),
                ExtraTokens = r.Int("grid.extra_tokens"),
                ModelDim = r.Positive("dims.model"),
                EmbeddingDim = r.Positive("dims.embedding"),
                Heads = r.Positive("dims.heads"),
                FusionLayers = r.Positive("dims.fusion_layers"),
                FeedForward = r.Positive("dims.ff"),
                MaxTokens = r.Positive("dims.max_tokens"),
                VisionFile = r.File("vision.file"),
                TextFile = r.File("text.file"),
                FusionWeightsFile = r.File("fusion.weights"),
                FusionOracleFile = r.Has("fusion.oracle") ? r.File("fusion.oracle") : null,
                VocabularyFile = r.File("tokenizer.file"),
                Answers = r.Strings("answers"),
                QuestionKinds = r.Strings("question_kinds"),
                HoldoutPairs = r.Has("holdout_pairs") ? r.Strings("holdout_pairs") : [],
                MatchThreshold = r.Has("retrieval.match_threshold") ? r.Float("retrieval.match_threshold", -1, 1) : null,
                CalibrationFile = r.Has("calibration.file") ? r.File("calibration.file") : null,
                WordsFile = r.Has("words.file") ? r.File("words.file") : null,
            };
            if (m.ModelDim % m.Heads != 0)
                throw new ModelBundleException(path, "dims.heads", $"{m.Heads} heads do not divide the model dimension {m.ModelDim}");
            if (m.Std.Any(s => !(s > 0)))
                throw new ModelBundleException(path, "image.std", "every std must be positive");
            if (m.ExtraTokens < 0)
                throw new ModelBundleException(path, "grid.extra_tokens", "must be 0 or more");
            return m;
        }
    }

    /// <summary>Typed access to dotted paths, failing with the path's name.</summary>
    sealed class Reader(string file, JsonElement root)
    {
        public bool Has(string path) => Find(path) is not null;

        JsonElement? Find(string path)
        {
            var e = root;
            foreach (var part in path.Split('.'))
            {
                if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(part, out e))
                    return null;
            }
            return e;
        }

        JsonElement Get(string path) => Find(path) ?? throw new ModelBundleException(file, path, "missing");

        public string Str(string path)
        {
            var e = Get(path);
            return e.ValueKind == JsonValueKind.String && e.GetString() is { Length: > 0 } s ? s : throw new ModelBundleException(file, path, $"expected a non-empty string, got {e}");
        }

        public int Int(string path)
        {
            var e = Get(path);
            return e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int v) ? v : throw new ModelBundleException(file, path, $"expected an integer, got {e}");
        }

        public int Positive(string path)
        {
            int v = Int(path);
            return v is > 0 and <= 65536 ? v : throw new ModelBundleException(file, path, $"expected a positive integer, got {v}");
        }

        public float Float(string path, double min, double max)
        {
            var e = Get(path);
            return e.ValueKind == JsonValueKind.Number && e.GetDouble() is var v && v >= min && v <= max
                ? (float)v : throw new ModelBundleException(file, path, $"expected a number within {min}..{max}, got {e}");
        }

        public float[] Floats(string path, int count)
        {
            var e = Get(path);
            if (e.ValueKind != JsonValueKind.Array || e.GetArrayLength() != count || e.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.Number))
                throw new ModelBundleException(file, path, $"expected {count} numbers, got {e}");
            return e.EnumerateArray().Select(x => (float)x.GetDouble()).ToArray();
        }

        public string[] Strings(string path)
        {
            var e = Get(path);
            if (e.ValueKind != JsonValueKind.Array || e.GetArrayLength() == 0 || e.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(x.GetString())))
                throw new ModelBundleException(file, path, $"expected a non-empty list of strings");
            return e.EnumerateArray().Select(x => x.GetString()!).ToArray();
        }

        /// <summary>A file name inside the bundle folder: no directories, no "..".</summary>
        public string File(string path)
        {
            var s = Str(path);
            if (s.Contains('/') || s.Contains('\\') || s == "." || s == ".." || s.Contains(':'))
                throw new ModelBundleException(file, path, $"\"{s}\" must be a file name inside the bundle folder");
            return s;
        }
    }
}
