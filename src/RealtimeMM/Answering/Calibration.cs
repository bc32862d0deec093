using System.Text.Json;
using System.Text.Json.Serialization;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;

namespace RealtimeMM.Answering;

/// <summary>
/// What makes a bundle's answers trustworthy, fitted on validation data (never on a test set) by
/// <c>rtmm calibrate</c> and stored beside the weights (<c>calibration.json</c>, named by the
/// manifest's <c>calibration.file</c>):
/// a temperature per question kind, so that <c>confidence</c> is the probability that the answer
/// is right; the confidence below which an answer says it is not sure; and the in-world model that
/// scores how much a frame looks like the scenes the model was trained on.
/// </summary>
public sealed record Calibration
{
    public const int FormatVersion = 1;

    /// <summary>The logits are divided by this per question kind before the softmax; "unknown" covers questions of no known kind.</summary>
    public required IReadOnlyDictionary<string, float> Temperatures { get; init; }

    /// <summary>An answer whose calibrated confidence is below this says it is not sure and gives its best guess.</summary>
    public required float NotSureBelow { get; init; }

    /// <summary>The in-world model; null when the bundle has none (no frame is flagged).</summary>
    public InWorldModel? InWorld { get; init; }

    /// <summary>What it was fitted on, for people ("generator seed 3, 1000 scenes, 10000 questions").</summary>
    public required string FittedOn { get; init; }

    /// <summary>The temperature for a question kind (the "unknown" one, else 1, for a kind it has none for).</summary>
    public float TemperatureOf(string kind) =>
        Temperatures.TryGetValue(kind, out float t) ? t : Temperatures.TryGetValue("unknown", out t) ? t : 1f;

    /// <summary>Loads and checks a calibration file; <see cref="ModelBundleException"/> names the file and the field.</summary>
    public static Calibration Load(string path, int features)
    {
        if (!File.Exists(path))
            throw new ModelBundleException(path, "calibration.file", "file not found");
        Stored? s;
        try
        {
            s = JsonSerializer.Deserialize<Stored>(File.ReadAllBytes(path), Json);
        }
        catch (JsonException e)
        {
            throw new ModelBundleException(path, "calibration", $"not a calibration file ({e.Message})", e);
        }
        if (s is null)
            throw new ModelBundleException(path, "calibration", "empty");
        if (s.Version != FormatVersion)
            throw new ModelBundleException(path, "version", $"this build reads calibration version {FormatVersion}, the file is version {s.Version}");
        if (s.Temperatures is null || s.Temperatures.Count == 0 || s.Temperatures.Any(t => !(t.Value > 0 && t.Value < 1000)))
            throw new ModelBundleException(path, "temperatures", "needs a positive temperature per question kind");
        if (!(s.NotSureBelow >= 0 && s.NotSureBelow <= 1))
            throw new ModelBundleException(path, "not_sure_below", $"{s.NotSureBelow} is not a probability");
        InWorldModel? world = null;
        if (s.InWorld is { } w)
        {
            int n = features;
            foreach (var (field, values) in new[] { ("feature_mean", w.FeatureMean), ("feature_scale", w.FeatureScale), ("weights", w.Weights) })
                if (values?.Length != n)
                    throw new ModelBundleException(path, $"in_world.{field}", $"has {values?.Length ?? 0} values; the bundle's features have {n} (2 x dims.model + dims.embedding)");
            if (w.FeatureScale!.Any(x => !(x > 0)))
                throw new ModelBundleException(path, "in_world.feature_scale", "every scale must be positive");
            if (w.HeldOutLogits is not { Length: >= 2 } q || q.Zip(q.Skip(1)).Any(p => p.Second < p.First))
                throw new ModelBundleException(path, "in_world.held_out_logits", "needs the validation scenes' logits in ascending order (at least 2)");
            if (!(w.FlagBelow >= 0 && w.FlagBelow < 1))
                throw new ModelBundleException(path, "in_world.flag_below", $"{w.FlagBelow} is not a share of frames in [0, 1)");
            world = new InWorldModel(new LogisticRegression(w.FeatureMean!, w.FeatureScale!, w.Weights!, w.Bias), q, w.FlagBelow);
        }
        return new Calibration { Temperatures = s.Temperatures, NotSureBelow = s.NotSureBelow, InWorld = world, FittedOn = s.FittedOn ?? "" };
    }

    /// <summary>Writes the file atomically (a temporary file renamed over it): a reader never sees half of one.</summary>
    public void Save(string path)
    {
        var stored = new Stored
        {
            Version = FormatVersion, FittedOn = FittedOn, Temperatures = Temperatures.ToDictionary(), NotSureBelow = NotSureBelow,
            InWorld = InWorld is { Regression: var r } w
                ? new StoredWorld { FeatureMean = r.Mean, FeatureScale = r.Scale, Weights = r.Weights, Bias = r.Bias, HeldOutLogits = w.HeldOutLogits, FlagBelow = w.FlagBelow } : null,
        };
        string temp = path + ".tmp";
        File.WriteAllBytes(temp, JsonSerializer.SerializeToUtf8Bytes(stored, Json));
        File.Move(temp, path, overwrite: true);
    }

    static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = false };

    sealed class Stored
    {
        public int Version { get; set; }
        public string? FittedOn { get; set; }
        public Dictionary<string, float>? Temperatures { get; set; }
        public float NotSureBelow { get; set; }
        public StoredWorld? InWorld { get; set; }
    }

    sealed class StoredWorld
    {
        public float[]? FeatureMean { get; set; }
        public float[]? FeatureScale { get; set; }
        public float[]? Weights { get; set; }
        public float Bias { get; set; }
        public float[]? HeldOutLogits { get; set; }
        public float FlagBelow { get; set; }
    }
}
