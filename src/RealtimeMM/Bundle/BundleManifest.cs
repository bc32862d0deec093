using System.Text.Json;
using RealtimeMM.Fusion;
using RealtimeMM.Answering;

namespace RealtimeMM.Bundle;

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
    /// <summary>The manifest's version: 2 carries the world (<c>world</c>), 1 is read as made for <see cref="World.Default"/>.</summary>
    public int Version { get; init; } = 2;

    /// <summary>What the model knows about: classes, colors, question kinds and their phrasings, the answers.</summary>
    public required World World { get; init; }

    /// <summary>The answer vocabulary, in the order of the model's logits (the world's answers).</summary>
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

    public static BundleManifest Load(string path)
    {
        if (!File.Exists(path))
            throw new ModelBundleException(path, "manifest", "file not found");
        var doc = JsonFields.Parse(File.ReadAllBytes(path), (problem, e) => new ModelBundleException(path, "manifest", problem, e));
        using (doc)
        {
            var r = new JsonFields(doc.RootElement, (field, problem) => new ModelBundleException(path, field, problem));
            if (r.Str("format") != "rtmm-bundle")
                throw new ModelBundleException(path, "format", $"expected \"rtmm-bundle\", got \"{r.Str("format")}\"");
            int version = r.Int("version");
            if (version is not (1 or 2))
                throw new ModelBundleException(path, "version", $"this build reads versions 1 and 2, the bundle is version {version}");
            World world;
            try
            {
                // version 2 carries its world; a version-1 bundle was made for the generated scenes' world
                world = version == 2 ? World.Read(r.Element("world"), path, "world.")
                    : World.Default with { Answers = r.Strings("answers"), Phrasings = World.Default.Phrasings.Where(p => r.Strings("question_kinds").Contains(p.Key)).ToDictionary() };
            }
            catch (WorldException e)
            {
                throw new ModelBundleException(path, e.Field, e.Problem, e);
            }
            var m = new BundleManifest
            {
                Version = version,
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
                World = world,
                Answers = [.. world.Answers],
                QuestionKinds = version == 2 ? [.. world.QuestionKinds] : r.Strings("question_kinds"),
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
}
