using System.CommandLine;
using System.Diagnostics;
using RealtimeMM.Frames;
using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;
using RealtimeMM.Scenes;
using RealtimeMM.Search;

namespace RealtimeMM.Cli.Commands;

/// <summary>
/// <c>rtmm eval</c>: the shipped model on the held-out test split, through the whole C# pipeline:
/// accuracy per question kind, on the compositional hold-out pairs, the pointing game, and
/// text→image retrieval among 100 frames. The split is the one <c>models/training/evaluate.py</c>
/// scores (seed 2, 320x240, hold-out pairs favoured, 5% out-of-world questions). Beside it, the same
/// measures on as many scenes of the test world (<see cref="Scenes.TestWorld.TestWorldGenerator"/>: the
/// same world drawn by other code, never trained on), which says whether the answers hold beyond
/// the generator the model learned from.
/// </summary>
internal static class EvalCommand
{
    public sealed record Result(Dictionary<string, double> Accuracy, Dictionary<string, int> Counts, double PointingGame, double RetrievalR1,
        double VisionMsMedian, double QuestionMsMedian, int Scenes, string Device)
    {
        /// <summary>The frame's keys and values for the fusion (CPU path), median.</summary>
        public double KeysMsMedian { get; init; }

        /// <summary>Text search over all the scenes: one single-object query per scene ("a red car"), a hit when a frame in the top 1 / top 5 shows it.</summary>
        public (double R1, double R5, int Queries) Search { get; init; }

        /// <summary>The same queries with the top 20 by embedding re-ranked by the fusion's "is there TEXT" (<see cref="TextSearch.Rerank"/>).</summary>
        public (double R1, double R5, int Queries) SearchReranked { get; init; }

        /// <summary>How far confidence can be trusted: calibration error, confident wrong answers, not-sure answers, flagged frames, the reliability bins.</summary>
        public required Trust Trust { get; init; }

        /// <summary>
        /// Questions about "the X" when no X is in view (one absent class a scene, its color or place): how
        /// many were answered "I don't see …", and how many questions about an X that is there were.
        /// </summary>
        public required (int Asked, int SaidNotInView, int PresentAsked, int PresentSaidNotInView) NotInView { get; init; }

        /// <summary>With --compare-fusion: the Vulkan fusion against the C# reference on every question.</summary>
        public (double MaxLogitDiff, double MaxAttentionDiff, int SameAnswers, int Questions)? FusionCheck { get; init; }
    }

    /// <summary>
    /// Whether confidence means what it says, over every question the model answered: the expected
    /// calibration error (15 equal-width bins of the model's probability for its answer), the share of
    /// all answers that are wrong yet given at confidence 0.5 or more, the share said as not sure, and
    /// the share of frames flagged as unlike the model's world.
    /// </summary>
    public sealed record Trust(double Ece, double WrongConfidentPercent, double NotSurePercent, double FlaggedFramesPercent, IReadOnlyList<(double Confidence, double Accuracy, int Count)> Bins,
        double AccuracyOnFlagged, double AccuracyOnUnflagged)
    {
        public const int BinCount = 15;

        public static Trust Of(List<(float Confidence, bool Correct, float Shown, bool NotSure, bool Flagged)> answers, int frames, int flagged)
        {
            var bins = new List<(double, double, int)>();
            double ece = 0;
            for (int b = 0; b < BinCount; b++)
            {
                var inBin = answers.Where(a => Math.Min(BinCount - 1, (int)(a.Confidence * BinCount)) == b).ToList();
                if (inBin.Count == 0)
                    continue;
                double conf = inBin.Average(a => a.Confidence), acc = inBin.Average(a => a.Correct ? 1.0 : 0.0);
                ece += Math.Abs(conf - acc) * inBin.Count / answers.Count;
                bins.Add((conf, acc, inBin.Count));
            }
            double Percent(int k, int n) => Math.Round(100.0 * k / Math.Max(1, n), 2);
            return new(Math.Round(ece, 4), Percent(answers.Count(a => !a.Correct && a.Shown >= 0.5f), answers.Count),
                Percent(answers.Count(a => a.NotSure), answers.Count), Percent(flagged, frames), bins,
                Percent(answers.Count(a => a.Flagged && a.Correct), answers.Count(a => a.Flagged)), Percent(answers.Count(a => !a.Flagged && a.Correct), answers.Count(a => !a.Flagged)));
        }

        public object ToJson() => new
        {
            ece = Ece, wrong_at_confidence_0_5_percent = WrongConfidentPercent, not_sure_percent = NotSurePercent, flagged_frames_percent = FlaggedFramesPercent,
            model_accuracy_on_flagged_frames = AccuracyOnFlagged, model_accuracy_on_other_frames = AccuracyOnUnflagged,
            bins = Bins.Select(b => new { confidence = Math.Round(b.Confidence, 4), accuracy = Math.Round(b.Accuracy, 4), count = b.Count }),
        };

        public override string ToString() =>
            $"ECE {Ece:F4}, wrong at confidence >= 0.5: {WrongConfidentPercent:F2}% of answers, not sure {NotSurePercent:F2}%, frames flagged {FlaggedFramesPercent:F2}% " +
            $"(the model's best guess right on {AccuracyOnFlagged:F1}% of their questions, {AccuracyOnUnflagged:F1}% on the others)";
    }

    public static Command Create(Terminal terminal)
    {
        var count = Options.Positive("--count", "Test scenes (10 questions each)", 1000);
        var seed = new Option<int>("--seed") { Description = "Seed of the test split", DefaultValueFactory = _ => 2 };
        var clean = new Option<bool>("--clean") { Description = "Without camera effects (to measure the cost of blur, noise, JPEG and lighting)" };
        var json = Options.Json();
        var model = Options.Model();
        var device = Options.Device();
        var plot = new Option<string?>("--plot") { Description = "Write the reliability diagram (confidence against accuracy, test split and test world) to this PNG" };
        var compareFusion = new Option<bool>("--compare-fusion") { Description = "With --device Vulkan: also run the C# fusion on every question and report the largest differences and agreeing answers" };
        var command = new Command("eval", "Score the model on the held-out test split and on the test world (the scene world drawn by other code): accuracy per kind, hold-out pairs, pointing game, retrieval")
        {
            count, seed, clean, json, model, device, compareFusion, plot,
        };
        command.SetGuardedAction(terminal, (parse, cancel) =>
        {
            using var answerer = QuestionAnswerer.Open(parse.GetValue(model), parse.GetValue(device), warn: terminal.Error.WriteLine);
            var r = Run(answerer, parse.GetValue(seed), parse.GetValue(count), parse.GetValue(clean), terminal, cancel, parse.GetValue(compareFusion));
            var world = Run(answerer, parse.GetValue(seed), parse.GetValue(count), parse.GetValue(clean), terminal, cancel, renderer: SceneWorldRenderer.TestWorld);
            if (parse.GetValue(plot) is { } png)
            {
                var series = new Dictionary<string, IReadOnlyList<(double X, double Y)>>
                {
                    ["test split (generator)"] = r.Trust.Bins.Select(b => (b.Confidence, b.Accuracy)).ToList(),
                    ["test world (other renderer)"] = world.Trust.Bins.Select(b => (b.Confidence, b.Accuracy)).ToList(),
                    ["perfectly calibrated"] = [(0, 0), (1, 1)],
                };
                Bench.Plots.Lines(png, $"Reliability: {answerer.Bundle.Manifest.Name}, {r.Scenes} + {world.Scenes} scenes (ECE {r.Trust.Ece:F3} / {world.Trust.Ece:F3})",
                    answerer.Bundle.Calibration?.FittedOn is { } fitted ? $"calibrated on {fitted.Split(';')[0]}" : "uncalibrated", "confidence (bin mean)", "accuracy", series);
            }
            var check = r.FusionCheck is { } c ? new { max_logit_diff = c.MaxLogitDiff, max_attention_diff = c.MaxAttentionDiff, same_answers = c.SameAnswers, questions = c.Questions } : null;
            if (parse.GetValue(json))
            {
                JsonLines.Write(terminal.Out, new
                {
                    accuracy = r.Accuracy,
                    counts = r.Counts,
                    pointing_game = r.PointingGame,
                    retrieval_r1_100 = r.RetrievalR1,
                    search = new { r1 = r.Search.R1, r5 = r.Search.R5, queries = r.Search.Queries, frames = r.Scenes },
                    search_reranked = new { r1 = r.SearchReranked.R1, r5 = r.SearchReranked.R5, depth = RerankDepth },
                    vision_ms_median = Math.Round(r.VisionMsMedian, 3),
                    keys_ms_median = Math.Round(r.KeysMsMedian, 3),
                    question_ms_median = Math.Round(r.QuestionMsMedian, 3),
                    scenes = r.Scenes,
                    device = r.Device,
                    fusion_check = check,
                    trust = r.Trust.ToJson(),
                    not_in_view = NotInViewJson(r),
                    test_world = new { accuracy = world.Accuracy, counts = world.Counts, pointing_game = world.PointingGame, scenes = world.Scenes, trust = world.Trust.ToJson(), not_in_view = NotInViewJson(world) },
                });
                return 0;
            }
            var o = terminal.Out;
            o.WriteLine($"{r.Scenes} test scenes (seed {parse.GetValue(seed)}) and {world.Scenes} test-world scenes, device {r.Device}");
            o.WriteLine($"  {"",-10} {"test split",18}   {"test world",18}");
            foreach (var (k, v) in r.Accuracy)
                o.WriteLine($"  {k,-10} {v,6:F2}% ({r.Counts[k],5} q)   {(world.Accuracy.TryGetValue(k, out var wv) ? $"{wv,6:F2}% ({world.Counts[k],5} q)" : "")}");
            o.WriteLine($"  pointing game {r.PointingGame:F2}% (test world {world.PointingGame:F2}%)   retrieval R@1 among 100 {r.RetrievalR1:F2}%");
            o.WriteLine($"  test split: {r.Trust}");
            o.WriteLine($"  test world: {world.Trust}");
            foreach (var (name, x) in new[] { ("test split", r), ("test world", world) })
                o.WriteLine($"  {name}: \"the X\" with no X in view answered \"I don't see\" {x.NotInView.SaidNotInView}/{x.NotInView.Asked}; " +
                    $"said about an X that is there {x.NotInView.PresentSaidNotInView}/{x.NotInView.PresentAsked} (frames not flagged)");
            o.WriteLine($"  text search over {r.Scenes} frames: R@1 {r.Search.R1:F2}%, R@5 {r.Search.R5:F2}% ({r.Search.Queries} single-object queries); top {RerankDepth} re-ranked by the fusion: R@1 {r.SearchReranked.R1:F2}%, R@5 {r.SearchReranked.R5:F2}%");
            o.WriteLine($"  preprocessing + vision encoder {r.VisionMsMedian:F2} ms, frame keys for the fusion {r.KeysMsMedian:F2} ms, text + fusion {r.QuestionMsMedian:F2} ms per question (medians)");
            if (r.FusionCheck is { } f)
                o.WriteLine($"  Vulkan fusion vs C# reference: same answer {f.SameAnswers}/{f.Questions}, max |logit diff| {f.MaxLogitDiff:E2}, max |attention diff| {f.MaxAttentionDiff:E2}");
            return 0;
        });
        return command;
    }

    /// <summary>Scores <paramref name="count"/> scenes of a renderer; retrieval and text search only for the generator's test split (the test world reports accuracy, pointing and trust).</summary>
    public static Result Run(QuestionAnswerer answerer, int seed, int count, bool clean, Terminal terminal, CancellationToken cancel, bool compare = false,
        SceneWorldRenderer renderer = SceneWorldRenderer.Generator)
    {
        bool measureSearch = renderer == SceneWorldRenderer.Generator;
        (double MaxLogit, double MaxAttention, int Same, int N) fusionCheck = (0, 0, 0, 0);
        var m = answerer.Bundle.Manifest;
        var options = new SceneOptions { Width = 320, Height = 240, FavoredPairs = m.HoldoutPairs, CameraEffects = !clean, World = m.World };
        var holdout = m.HoldoutPairs.ToHashSet();
        var hits = new Dictionary<string, (int Ok, int N)>();
        int pointHit = 0, pointN = 0, retrievalHit = 0, retrievalN = 0;
        var visionMs = new List<double>();
        var questionMs = new List<double>();
        var keysMs = new List<double>();
        var images = new List<float[]>();
        var captions = new List<string>();
        var store = new EmbeddingStore(m.EmbeddingDim, count);
        var encodings = new List<FrameEncoding>(count); // kept for re-ranking search hits
        var shown = new List<HashSet<(string, string)>>();
        var trust = new List<(float Confidence, bool Correct, float Shown, bool NotSure, bool Flagged)>();
        (int Asked, int Said, int PresentAsked, int PresentSaid) notInView = (0, 0, 0, 0);
        var premiseRng = new Random(seed * 7 + 1);
        int flagged = 0;
        using (var progress = new Progress(terminal, renderer == SceneWorldRenderer.Generator ? "eval" : "eval test world", count))
        {
            for (int i = 0; i < count; i++)
            {
                cancel.ThrowIfCancellationRequested();
                var scene = renderer.Render(seed, i, options);
                var frame = answerer.Encode(new ImageView(scene.Bgr, scene.Width, scene.Height, scene.Width * 3));
                visionMs.Add(frame.PreprocessMs + frame.VisionMs);
                keysMs.Add(frame.KeysMs);
                var rng = new Random(DatasetCommand.QuestionRng(seed, i));
                var pairs = scene.Objects.ToDictionary(o => o.Id, o => $"{o.Class}:{o.Color}");
                var questions = scene.Questions.Select(q => DatasetCommand.Maybe(q, rng, 0.05, m.World)).ToArray();
                long t0 = Stopwatch.GetTimestamp();
                var answered = answerer.AskMany(frame, questions.Select(q => q.Question).ToList()); // one fusion batch per scene
                questionMs.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds / Math.Max(1, questions.Length));
                if (compare)
                {
                    var (dLogit, dAttention, same, n) = FusionCheck.Compare(answerer, frame, questions.Select(q => q.Question).ToList());
                    fusionCheck = (Math.Max(fusionCheck.MaxLogit, dLogit), Math.Max(fusionCheck.MaxAttention, dAttention), fusionCheck.Same + same, fusionCheck.N + n);
                }
                for (int qi = 0; qi < questions.Length; qi++)
                {
                    var q = questions[qi];
                    var a = answered[qi];
                    bool ok = a.ModelAnswer == AnswerVocabulary.Label(q.Answer);
                    if (a.Probabilities is { } p)
                        trust.Add((p.Max(), ok, a.Confidence, a.NotSure, frame.OutOfWorld));
                    var ids = q.ObjectIds ?? [];
                    foreach (var key in new[] { q.Kind, "overall" }.Concat(ids.Any(id => holdout.Contains(pairs[id])) ? ["holdout"] : Array.Empty<string>()))
                    {
                        var (k, n) = hits.GetValueOrDefault(key);
                        hits[key] = (k + (ok ? 1 : 0), n + 1);
                    }
                    if (ids.Length == 1 && q.Answer != AnswerVocabulary.Unanswerable && a.Attention is { } att)
                    {
                        var box = scene.Objects.First(o => o.Id == ids[0]).Box;
                        pointN++;
                        if (box.Contains(att.PeakX, att.PeakY))
                            pointHit++;
                    }
                }
                // false premises: "the X" for a class that is not in view at all
                var absent = m.World.Classes.Except(scene.Objects.Select(o => o.Class)).Except(scene.PartlyVisibleClasses).ToArray();
                if (absent.Length > 0 && !frame.OutOfWorld)
                {
                    string x = absent[premiseRng.Next(absent.Length)];
                    var a = answerer.Ask(frame, i % 2 == 0 ? $"what color is the {x}" : $"where is the {x}");
                    notInView = (notInView.Asked + 1, notInView.Said + (a.NotInView ? 1 : 0), notInView.PresentAsked, notInView.PresentSaid);
                }
                for (int qi = 0; qi < questions.Length; qi++)
                    if (questions[qi].Kind is "color" or "position" && questions[qi].ObjectIds is { Length: > 0 } && !frame.OutOfWorld)
                        notInView = (notInView.Asked, notInView.Said, notInView.PresentAsked + 1, notInView.PresentSaid + (answered[qi].NotInView ? 1 : 0));
                flagged += frame.OutOfWorld ? 1 : 0;
                if (!measureSearch)
                {
                    frame.Dispose(); // nothing is searched over the test world: its encodings need not be kept
                    progress.Report(i + 1);
                    continue;
                }
                images.Add(frame.Embedding);
                captions.Add(SceneCaptions.For(scene.Objects));
                store.Add(i, i, frame.Embedding);
                encodings.Add(frame);
                shown.Add(scene.Objects.Select(o => (o.Class, o.Color)).ToHashSet());
                if (images.Count == 100)
                {
                    (int h, int n) = Retrieval(answerer, images, captions);
                    retrievalHit += h;
                    retrievalN += n;
                    images.Clear();
                    captions.Clear();
                }
                progress.Report(i + 1);
            }
        }
        visionMs.Sort();
        questionMs.Sort();
        keysMs.Sort();
        var search = measureSearch ? SearchRecall(answerer, store, shown, null) : default;
        var reranked = measureSearch ? SearchRecall(answerer, store, shown, encodings) : default;
        return new Result(
            hits.OrderBy(p => p.Key).ToDictionary(p => p.Key, p => Math.Round(100.0 * p.Value.Ok / p.Value.N, 2)),
            hits.OrderBy(p => p.Key).ToDictionary(p => p.Key, p => p.Value.N),
            Math.Round(100.0 * pointHit / Math.Max(pointN, 1), 2), Math.Round(100.0 * retrievalHit / Math.Max(retrievalN, 1), 2),
            visionMs[visionMs.Count / 2], questionMs[questionMs.Count / 2], count, answerer.Device)
        {
            FusionCheck = compare ? fusionCheck : null,
            Trust = Trust.Of(trust, count, flagged),
            NotInView = notInView,
            Search = search,
            SearchReranked = reranked,
            KeysMsMedian = keysMs[keysMs.Count / 2],
        };
    }

    /// <summary>
    /// For each frame, a query for one of its objects ("a red car", the object drawn by a fixed seed)
    /// searched over every frame; a hit at rank k when a frame among the top k shows that class in that color.
    /// </summary>
    static (double R1, double R5, int Queries) SearchRecall(QuestionAnswerer answerer, EmbeddingStore store, List<HashSet<(string Class, string Color)>> shown,
        List<FrameEncoding>? rerankWith)
    {
        var search = new TextSearch(answerer, threshold: -1);
        var rng = new Random(5);
        int r1 = 0, r5 = 0, n = 0;
        var options = new SearchOptions { Top = rerankWith is null ? 5 : RerankDepth, MinGapSeconds = 0 };
        for (int i = 0; i < shown.Count; i++)
        {
            if (shown[i].Count == 0)
                continue;
            var (want, text) = SingleObjectQuery(shown[i], rng);
            var (embedding, _) = search.Embed(text);
            n++;
            if (embedding is null)
                continue;
            var hits = store.Search(embedding, options);
            if (rerankWith is not null)
                hits = search.Rerank(text, hits, h => rerankWith[h.Row]).Select(x => x.Hit).Take(5).ToList();
            r1 += hits.Count > 0 && shown[hits[0].Row].Contains(want) ? 1 : 0;
            r5 += hits.Any(h => shown[h.Row].Contains(want)) ? 1 : 0;
        }
        return (Math.Round(100.0 * r1 / Math.Max(n, 1), 2), Math.Round(100.0 * r5 / Math.Max(n, 1), 2), n);
    }

    const int RerankDepth = 20;

    static object NotInViewJson(Result r) => new
    {
        asked = r.NotInView.Asked, said_not_in_view = r.NotInView.SaidNotInView,
        percent = Math.Round(100.0 * r.NotInView.SaidNotInView / Math.Max(1, r.NotInView.Asked), 2),
        present_asked = r.NotInView.PresentAsked, present_said_not_in_view = r.NotInView.PresentSaidNotInView,
    };

    /// <summary>The search evaluations' query for a frame: one of the (class, color) pairs it shows, drawn by <paramref name="rng"/> in a fixed order, as "a red car".</summary>
    internal static ((string Class, string Color) Want, string Text) SingleObjectQuery(IReadOnlySet<(string Class, string Color)> shown, Random rng)
    {
        var pairs = shown.OrderBy(p => p.Class, StringComparer.Ordinal).ThenBy(p => p.Color, StringComparer.Ordinal).ToArray();
        var want = pairs[rng.Next(pairs.Length)];
        return (want, $"{World.Article(want.Color)} {want.Color} {want.Class}");
    }

    /// <summary>Each caption against the 100 frames: a hit when its own frame scores highest.</summary>
    static (int Hits, int N) Retrieval(QuestionAnswerer answerer, List<float[]> images, List<string> captions)
    {
        int hits = 0;
        for (int c = 0; c < captions.Count; c++)
        {
            var t = answerer.EmbedText(captions[c]);
            if (t is null)
                continue;
            int best = 0;
            float bestScore = float.NegativeInfinity;
            for (int i = 0; i < images.Count; i++)
            {
                float s = 0;
                for (int k = 0; k < t.Length; k++)
                    s += t[k] * images[i][k];
                if (s > bestScore)
                    (bestScore, best) = (s, i);
            }
            if (best == c)
                hits++;
        }
        return (hits, captions.Count);
    }
}
