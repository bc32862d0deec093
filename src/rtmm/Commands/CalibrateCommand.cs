using System.CommandLine;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using RealtimeMM.Frames;
using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;
using RealtimeMM.Scenes;
using OpenCvSharp;

namespace RealtimeMM.Cli.Commands;

/// <summary>
/// <c>rtmm calibrate</c>: fits a bundle's calibration on the generator's validation split (seed 3,
/// never the test split, seed 2, nor the test world) and writes it into the bundle
/// (<c>calibration.json</c>, named by the manifest): a temperature per question kind that
/// minimises the negative log-likelihood of the right answers (so confidence is the probability
/// of being right), the not-sure threshold, the in-world model (<see cref="FitInWorld"/>), and text
/// search's match threshold (<see cref="MatchThreshold"/>, in the manifest's <c>retrieval</c>).
/// </summary>
internal static class CalibrateCommand
{
    public static Command Create(Terminal terminal)
    {
        var model = new Option<string>("--model") { Description = "Bundle folder to calibrate (it is written into)", Required = true };
        var count = Options.Positive("--count", "Validation scenes (10 questions each)", 1000);
        var seed = new Option<int>("--seed") { Description = "Seed of the validation split (3; never 2, the test split)", DefaultValueFactory = _ => 3 };
        var notSure = new Option<float>("--not-sure-below") { Description = "Calibrated confidence below which an answer says it is not sure", DefaultValueFactory = _ => 0.5f };
        var flagBelow = new Option<float>("--flag-below") { Description = "In-world score (share of validation frames farther out) below which a frame is flagged", DefaultValueFactory = _ => 0.005f };
        var photos = new Option<string?>("--photos") { Description = "Folder of photos the world does not have, cropped at random as out-of-world frames for the in-world model (opencv-doc's examples/data without vtest.avi; never a test set)" };
        var device = Options.Device();
        var command = new Command("calibrate", "Fit a bundle's confidence temperatures, not-sure threshold and in-world model on the validation split, and write them into it")
        {
            model, count, seed, notSure, flagBelow, photos, device,
        };
        command.Validators.Add(r =>
        {
            if (r.GetValue(seed) == 2)
                r.AddError("--seed 2 is the test split: calibrating on it would make it no longer a test");
            if (r.GetValue(notSure) is not (>= 0 and <= 1))
                r.AddError("--not-sure-below must be a probability in [0, 1]");
            if (r.GetValue(flagBelow) is not (>= 0 and < 1))
                r.AddError("--flag-below must be in [0, 1)");
        });
        command.SetGuardedAction(terminal, (parse, cancel) =>
        {
            string folder = parse.GetValue(model)!;
            int n = parse.GetValue(count);
            using var answerer = QuestionAnswerer.Open(folder, parse.GetValue(device), warn: terminal.Error.WriteLine);
            var m = answerer.Bundle.Manifest;
            var old = answerer.Bundle.Calibration;
            var options = new SceneOptions { Width = 320, Height = 240, FavoredPairs = m.HoldoutPairs, World = m.World };
            var samples = new List<(string Kind, float[] Logits, int Label)>();
            var features = new List<float[]>();
            var searchRng = new Random(7);
            var (shown, absent) = (new List<double>(), new List<double>());
            using (var progress = new Progress(terminal, "calibrate", n))
            {
                for (int i = 0; i < n; i++)
                {
                    cancel.ThrowIfCancellationRequested();
                    var scene = SceneGenerator.Render(parse.GetValue(seed), i, options);
                    features.Add(FeaturesOf(answerer, new ImageView(scene.Bgr, scene.Width, scene.Height, scene.Width * 3), out var frame));
                    using var encoded = frame;
                    // text search's match threshold: one single-object query each frame shows ("a red car"), one it does not
                    var present = scene.Objects.Select(o => (o.Class, o.Color)).ToHashSet();
                    if (present.Count > 0)
                    {
                        var (_, shownQuery) = EvalCommand.SingleObjectQuery(present, searchRng);
                        (string Class, string Color) missing;
                        do
                            missing = (m.World.Classes[searchRng.Next(m.World.Classes.Count)], m.World.Colors[searchRng.Next(m.World.Colors.Count)]);
                        while (present.Contains(missing));
                        shown.Add(Cosine(answerer.EmbedText(shownQuery)!, frame.Embedding));
                        absent.Add(Cosine(answerer.EmbedText($"{World.Article(missing.Color)} {missing.Color} {missing.Class}")!, frame.Embedding));
                    }
                    var rng = new Random(DatasetCommand.QuestionRng(parse.GetValue(seed), i));
                    var questions = scene.Questions.Select(q => DatasetCommand.Maybe(q, rng, 0.05, m.World)).ToArray();
                    var answers = answerer.AskMany(frame, questions.Select(q => q.Question).ToList());
                    for (int k = 0; k < questions.Length; k++)
                    {
                        if (answers[k].Probabilities is not { } p)
                            continue;
                        string kind = QuestionAnswerer.KindOf(questions[k].Question);
                        float t = old?.TemperatureOf(kind) ?? 1f;
                        // log-probabilities times the temperature they were made with are the logits less a constant
                        samples.Add((kind, p.Select(x => t * MathF.Log(Math.Max(x, 1e-30f))).ToArray(), Array.IndexOf(m.Answers, AnswerVocabulary.Label(questions[k].Answer))));
                    }
                    progress.Report(i + 1);
                }
            }
            var o = terminal.Out;
            var temperatures = new Dictionary<string, float>();
            foreach (var group in samples.Where(s => s.Label >= 0).GroupBy(s => s.Kind).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                var g = group.ToList();
                float t = FitTemperature(g.Select(s => (s.Logits, s.Label)).ToList());
                temperatures[group.Key] = t;
                o.WriteLine($"  {group.Key,-9} T = {t:F3}  NLL {Nll(g, 1):F4} -> {Nll(g, t):F4}  ({g.Count} questions)");
            }
            temperatures.TryAdd("unknown", FitTemperature(samples.Where(s => s.Label >= 0).Select(s => (s.Logits, s.Label)).ToList()));
            var negatives = new List<float[]>();
            int negativeCount = Math.Max(200, n);
            using (var progress = new Progress(terminal, "out-of-world frames", negativeCount))
                foreach (var bgr in OutOfWorldFrames(parse.GetValue(photos), negativeCount, parse.GetValue(seed), options))
                {
                    cancel.ThrowIfCancellationRequested();
                    negatives.Add(FeaturesOf(answerer, new ImageView(bgr, 320, 240, 320 * 3), out var frame));
                    frame.Dispose();
                    progress.Report(negatives.Count);
                }
            var (world, negativesFlagged) = FitInWorld(features, negatives, parse.GetValue(flagBelow));
            var calibration = new Calibration
            {
                Temperatures = temperatures, NotSureBelow = parse.GetValue(notSure), InWorld = world,
                FittedOn = $"generator seed {parse.GetValue(seed)}, {n} scenes, {samples.Count} questions; out-of-world frames: {(parse.GetValue(photos) is { } dir ? $"crops of the photos in {Path.GetFileName(Path.TrimEndingDirectorySeparator(dir))}, " : "")}blank, noise, blurred scenes (rtmm calibrate)",
            };
            const string file = "calibration.json";
            calibration.Save(Path.Combine(folder, file));
            var (threshold, balanced) = MatchThreshold(shown, absent);
            NameInManifest(Path.Combine(folder, "manifest.json"), file, new JsonObject
            {
                ["match_threshold"] = Math.Round(threshold, 4), ["balanced_accuracy"] = Math.Round(balanced * 100, 2), ["frames"] = shown.Count,
                ["shown_median"] = Math.Round(shown.Order().ElementAt(shown.Count / 2), 4), ["absent_median"] = Math.Round(absent.Order().ElementAt(absent.Count / 2), 4),
                ["calibrated_on"] = $"validation split seed {parse.GetValue(seed)}, {shown.Count} frames, one shown and one absent single-object query each (rtmm calibrate)",
            });
            o.WriteLine($"text search: match threshold {threshold:F4} (balanced accuracy {balanced:P2} over {shown.Count} frames' shown and absent queries)");
            o.WriteLine($"in-world model from {features.Count / 2 + features.Count % 2} scenes against {negatives.Count} out-of-world frames, scored on {world.HeldOutLogits.Length} held-apart scenes: " +
                $"flagged below score {world.FlagBelow}; {negativesFlagged:P1} of the out-of-world frames it learned from are flagged");
            o.WriteLine($"wrote {Path.Combine(folder, file)}");
            return 0;
        });
        return command;
    }

    static double Nll(List<(string Kind, float[] Logits, int Label)> g, float t) => g.Average(s => NllOf(s.Logits, s.Label, t));

    static double NllOf(float[] logits, int label, double t)
    {
        double max = logits.Max(), sum = 0;
        foreach (float l in logits)
            sum += Math.Exp((l - max) / t);
        return -((logits[label] - max) / t - Math.Log(sum));
    }

    /// <summary>The temperature that minimises the mean negative log-likelihood: golden-section search over log T in [-3, 3] (the NLL is convex in 1/T).</summary>
    internal static float FitTemperature(IReadOnlyList<(float[] Logits, int Label)> samples)
    {
        if (samples.Count == 0)
            return 1;
        double F(double logT) => samples.Average(s => NllOf(s.Logits, s.Label, Math.Exp(logT)));
        double a = -3, b = 3, r = (Math.Sqrt(5) - 1) / 2;
        double c = b - r * (b - a), d = a + r * (b - a), fc = F(c), fd = F(d);
        for (int i = 0; i < 60; i++)
        {
            if (fc < fd)
            {
                (b, d, fd) = (d, c, fc);
                c = b - r * (b - a);
                fc = F(c);
            }
            else
            {
                (a, c, fc) = (c, d, fd);
                d = a + r * (b - a);
                fd = F(d);
            }
        }
        return (float)Math.Exp((a + b) / 2);
    }

    /// <summary>
    /// The in-world model: a logistic regression (<see cref="LogisticRegression"/>) of
    /// validation scenes (even-numbered) against out-of-world frames, on standardised features; the
    /// odd-numbered scenes' logits are the reference that turns a logit into a score.
    /// </summary>
    internal static (InWorldModel Model, double NegativesFlagged) FitInWorld(IReadOnlyList<float[]> scenes, IReadOnlyList<float[]> negatives, float flagBelow)
    {
        var fit = scenes.Where((_, i) => i % 2 == 0).ToList();
        var held = scenes.Where((_, i) => i % 2 == 1).ToList();
        var r = LogisticRegression.Fit(fit.Concat(negatives).ToList(), fit.Select(_ => true).Concat(negatives.Select(_ => false)).ToList());
        var model = new InWorldModel(r, held.Select(f => (float)r.Logit(f)).Order().ToArray(), flagBelow);
        return (model, negatives.Count(f => model.Score(f) < flagBelow) / (double)negatives.Count);
    }

    /// <summary>
    /// Frames the scene world does not have, for the in-world model to learn against: random crops
    /// of the photos in <paramref name="photos"/> (flipped at random), frames of one color, noise,
    /// and validation scenes blurred past recognition. Each a 320x240 BGR frame.
    /// </summary>
    static IEnumerable<byte[]> OutOfWorldFrames(string? photos, int count, int seed, SceneOptions options)
    {
        var rng = new Random(seed);
        var files = photos is null ? [] : Directory.EnumerateFiles(photos)
            .Where(f => f.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal).ToArray();
        if (photos is not null && files.Length == 0)
            throw new UsageException($"{photos}: no .jpg or .png photos");
        const int W = 320, H = 240;
        for (int k = 0; k < count; k++)
        {
            using var frame = new Mat();
            // four in five are photo crops when there are photos; the rest blank, noise and blurred scenes in turn
            int kind = files.Length == 0 ? 1 + k % 3 : k % 5 == 4 ? 1 + k / 5 % 3 : 0;
            switch (kind)
            {
                case 0:
                    using (var photo = Cv2.ImRead(files[rng.Next(files.Length)], ImreadModes.Color))
                    {
                        double share = 0.35 + rng.NextDouble() * 0.65;
                        int cw = Math.Min(photo.Width, Math.Max(8, (int)(photo.Width * share)));
                        int ch = Math.Min(photo.Height, Math.Max(8, (int)(cw * (0.6 + rng.NextDouble() * 0.5))));
                        using var crop = new Mat(photo, new Rect(rng.Next(photo.Width - cw + 1), rng.Next(photo.Height - ch + 1), cw, ch));
                        Cv2.Resize(crop, frame, new Size(W, H), 0, 0, InterpolationFlags.Area);
                        if (rng.Next(2) == 0)
                            Cv2.Flip(frame, frame, FlipMode.Y);
                    }
                    break;
                case 1:
                    frame.Create(H, W, MatType.CV_8UC3);
                    frame.SetTo(new Scalar(rng.Next(256), rng.Next(256), rng.Next(256)));
                    break;
                case 2:
                    frame.Create(H, W, MatType.CV_8UC3);
                    var noise = new byte[W * H * 3];
                    rng.NextBytes(noise);
                    Marshal.Copy(noise, 0, frame.Data, noise.Length);
                    if (rng.Next(2) == 0)
                        Cv2.GaussianBlur(frame, frame, new Size(0, 0), 1 + rng.NextDouble() * 3);
                    break;
                default:
                    var scene = SceneGenerator.Render(seed, 1_000_000 + k, options);
                    using (var src = Mat.FromPixelData(H, W, MatType.CV_8UC3, scene.Bgr))
                        Cv2.GaussianBlur(src, frame, new Size(0, 0), 6 + rng.NextDouble() * 8);
                    break;
            }
            var bgr = new byte[W * H * 3];
            using (var packed = frame.IsContinuous() ? frame : frame.Clone())
                Marshal.Copy(packed.Data, bgr, 0, bgr.Length);
            yield return bgr;
        }
    }

    /// <summary>A frame's in-world features (<see cref="InWorldModel.Features"/>), read from the vision encoder's outputs right after encoding it.</summary>
    static float[] FeaturesOf(QuestionAnswerer answerer, ImageView view, out FrameEncoding encoding)
    {
        var m = answerer.Bundle.Manifest;
        encoding = answerer.Encode(view);
        return InWorldModel.Features(answerer.Bundle.Vision.Outputs[0], m.ImageTokens, m.ModelDim, encoding.Embedding);
    }

    static double Cosine(float[] a, float[] b)
    {
        double dot = 0;
        for (int i = 0; i < a.Length; i++)
            dot += a[i] * b[i]; // both L2-normalised
        return dot;
    }

    /// <summary>The cosine that best separates queries a frame shows from ones it does not (highest balanced accuracy), and that accuracy.</summary>
    internal static (double Threshold, double Balanced) MatchThreshold(IReadOnlyList<double> shown, IReadOnlyList<double> absent)
    {
        var best = (Threshold: 0.0, Balanced: -1.0);
        foreach (double t in shown.Concat(absent).Distinct().Order())
        {
            double balanced = (shown.Count(x => x >= t) / (double)shown.Count + absent.Count(x => x < t) / (double)absent.Count) / 2;
            if (balanced > best.Balanced)
                best = (t, balanced);
        }
        return best;
    }

    /// <summary>Names the calibration file in the manifest and writes its text-search section, atomically.</summary>
    static void NameInManifest(string manifest, string file, JsonObject retrieval)
    {
        var root = JsonNode.Parse(File.ReadAllText(manifest))!.AsObject();
        root["calibration"] = new JsonObject { ["file"] = file };
        root["retrieval"] = retrieval;
        string temp = manifest + ".tmp";
        File.WriteAllText(temp, root.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n");
        File.Move(temp, manifest, overwrite: true);
    }
}
