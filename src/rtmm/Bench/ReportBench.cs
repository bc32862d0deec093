using System.Diagnostics;
using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;
using RealtimeMM.Scenes;

namespace RealtimeMM.Cli.Bench;

/// <summary>
/// <c>rtmm bench report</c>: the stage benchmarks (preprocessing, fusion) and the end-to-end
/// pipeline at several resolutions, in one run on one machine, written as report.json and PNG plots:
/// per-stage latency histograms, frames per second against resolution, and CPU against Vulkan.
/// </summary>
internal static class ReportBench
{
    static readonly (int W, int H)[] Resolutions = [(320, 240), (640, 480), (1280, 720)];

    public static object Run(string outDir, TimeSpan budget, int frames, Action<string> progress)
    {
        Directory.CreateDirectory(outDir);
        string machine = Timing.Machine();

        progress("stage: preprocessing");
        var (_, vulkan, pre) = PreprocessBench.Run([(640, 480), (1920, 1080)], 200, budget, progress);
        string caption = $"{machine}; Vulkan: {vulkan}";
        var prePaths = pre[0].Paths.Select(p => p.Name).ToList();
        Plots.Bars(Path.Combine(outDir, "preprocess.png"), "Preprocessing to 224x224: median ms per frame", caption, "ms (log scale)",
            prePaths, pre.ToDictionary(s => s.Input, s => (IReadOnlyList<double>)s.Paths.Select(p => p.MedianMs).ToList()));

        progress("stage: fusion");
        using var bundle = ModelBundle.Load(ModelBundle.DefaultFolder);
        var (_, _, fusion) = FusionBench.Run(bundle, [1, 8], 100, budget, progress);
        Plots.Bars(Path.Combine(outDir, "fusion.png"), "Fusion: median ms per question", caption, "ms (log scale)",
            fusion[0].Paths.Select(p => p.Name).ToList(), fusion.ToDictionary(b => $"{b.Questions} question(s) per frame", b => (IReadOnlyList<double>)b.Paths.Select(p => p.MedianMs).ToList()));

        var endToEnd = new List<object>();
        var stageTimes = new Dictionary<string, List<double>>();
        var fps = new List<(double X, double Y)>();
        using var answerer = new QuestionAnswerer(bundle, Gpu.DevicePreference.Cpu, ownsBundle: false);
        foreach (var (w, h) in Resolutions)
        {
            progress($"end to end: {w}x{h}, {frames} frames, one standing question (CPU)");
            var clip = SceneGenerator.RenderClip(3, frames, 30, new SceneOptions { Width = w, Height = h }).ToList();
            var standing = new StandingQuestions(answerer);
            standing.Add("how many cars are there");
            var latencies = new List<double>();
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < clip.Count; i++)
            {
                using var frame = clip[i].ToFrame(i, TimeSpan.FromSeconds(i / 30.0));
                long t0 = Stopwatch.GetTimestamp();
                using var encoded = answerer.Encode(frame);
                var answer = standing.Update(encoded)[0];
                latencies.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                if (w == 640 && i >= 5) // the histograms: the 640x480 run, after the first frames
                    foreach (var (stage, ms) in answer.TimingsMs)
                        (stageTimes.TryGetValue(stage, out var list) ? list : stageTimes[stage] = []).Add(ms);
            }
            double seconds = clock.Elapsed.TotalSeconds;
            latencies.Sort();
            fps.Add((w * h / 1e6, clip.Count / seconds));
            endToEnd.Add(new { input = $"{w}x{h}", frames = clip.Count, fps = Math.Round(clip.Count / seconds, 2),
                latency_ms = new { p50 = Math.Round(latencies[latencies.Count / 2], 2), p99 = Math.Round(latencies[(int)(latencies.Count * 0.99)], 2) } });
        }
        Plots.Histograms(Path.Combine(outDir, "stages.png"), "Per-stage latency, 640x480, one standing question (CPU path)", machine,
            stageTimes.Where(s => s.Value.Any(v => v > 0.05)).ToDictionary(s => s.Key, s => (IReadOnlyList<double>)s.Value));
        Plots.Lines(Path.Combine(outDir, "fps.png"), "Model pipeline (preprocess to answer) on in-memory frames: frames/s against resolution (CPU path)", machine, "megapixels per frame", "frames/s",
            new Dictionary<string, IReadOnlyList<(double, double)>> { ["one standing question"] = fps });

        var report = new
        {
            benchmark = "report",
            date = DateTime.UtcNow.ToString("yyyy-MM-dd"),
            machine,
            vulkan,
            preprocess = pre.Select(s => new { input = s.Input, paths = s.Paths.Select(p => new { name = p.Name, median_ms = Math.Round(p.MedianMs, 4), p90_ms = Math.Round(p.P90Ms, 4) }) }),
            fusion = fusion.Select(b => new { questions_per_frame = b.Questions, paths = b.Paths.Select(p => new { name = p.Name, median_ms = Math.Round(p.MedianMs, 4) }) }),
            end_to_end = endToEnd,
            stage_median_ms = stageTimes.ToDictionary(s => s.Key, s => Math.Round(s.Value.Order().ElementAt(s.Value.Count / 2), 3)),
            plots = new[] { "preprocess.png", "fusion.png", "stages.png", "fps.png" },
        };
        string json = Path.Combine(outDir, "report.json");
        File.WriteAllText(json + ".partial", System.Text.Json.JsonSerializer.Serialize(report, new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        File.Move(json + ".partial", json, overwrite: true);
        return report;
    }
}
