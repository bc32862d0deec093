using System.CommandLine;
using RealtimeMM.Cli.Bench;
using RealtimeMM.Features;

namespace RealtimeMM.Cli.Commands;

/// <summary><c>rtmm bench preprocess|fusion|report|search|gameloop</c>: every path of a stage timed in one run on this machine.</summary>
internal static class BenchCommand
{
    public static Command Create(Terminal terminal)
    {
        var json = Options.Json();
        var runs = Options.Positive("--runs", "Most timed runs per path (after warm-up)", 300);
        var seconds = new Option<double>("--seconds") { Description = "Time budget per path", DefaultValueFactory = _ => 2.0 };
        var dump = new Option<string?>("--dump") { Description = "Also write each input frame (raw BGR24) and the reference output (raw float32) to this folder, for tools/bench-opencv-peer.py" };
        var preprocess = new Command("preprocess", "Time preprocessing to 224x224 for 640x480 and 1920x1080 frames: Vulkan (wall and kernel), fast CPU, C# reference, OpenCV blobFromImage") { json, runs, seconds, dump };
        preprocess.SetGuardedAction(terminal, (parse, _) =>
        {
            bool asJson = parse.GetValue(json);
            var (machine, vulkan, sizes) = PreprocessBench.Run([(640, 480), (1920, 1080)], parse.GetValue(runs), TimeSpan.FromSeconds(parse.GetValue(seconds)),
                line => terminal.Error.WriteLine(line), parse.GetValue(dump));
            if (asJson)
            {
                JsonLines.Write(terminal.Out, new
                {
                    benchmark = "preprocess",
                    output = "224x224 bilinear stretch float32 NCHW",
                    machine,
                    vulkan,
                    sizes = sizes.Select(s => new
                    {
                        input = s.Input,
                        max_abs_diff = new { vulkan = NullIfNaN(s.MaxDiffVulkan), cpu = s.MaxDiffCpu, opencv = NullIfNaN(s.MaxDiffOpenCv) },
                        vulkan_upload_bytes = new { uploaded = s.UploadBytes.Uploaded, frame = s.UploadBytes.Frame },
                        paths = s.Paths.Select(PathJson),
                    }),
                });
                return 0;
            }
            var o = terminal.Out;
            o.WriteLine($"machine: {machine}");
            o.WriteLine($"vulkan:  {vulkan}");
            foreach (var s in sizes)
            {
                var baseline = s.Paths.FirstOrDefault(p => p.Name == PreprocessBench.OpenCvPath) ?? s.Paths.First(p => p.Name == "C# reference");
                Table(o, $"{s.Input} -> 224x224 (bilinear, stretch, float32 NCHW)", s.Paths, baseline, baseline.Name == PreprocessBench.OpenCvPath ? "OpenCV" : "C# ref");
                o.WriteLine($"  max |x - reference|: vulkan {s.MaxDiffVulkan:E1}, fast CPU {s.MaxDiffCpu:E1}, OpenCV {s.MaxDiffOpenCv:E1} (OpenCV resizes in fixed point)");
                if (s.UploadBytes.Uploaded > 0)
                    o.WriteLine($"  Vulkan uploads {s.UploadBytes.Uploaded:N0} of the frame's {s.UploadBytes.Frame:N0} bytes (the rows its kernel reads)");
            }
            return 0;
        });

        var model = Options.Model();
        var fusion = new Command("fusion", "Time the question-image fusion per question (1 and 8 questions per frame): Vulkan (wall and kernels), C# reference, ONNX Runtime on the fusion oracle") { json, runs, seconds, model };
        fusion.SetGuardedAction(terminal, (parse, _) =>
        {
            using var bundle = RealtimeMM.Bundle.ModelBundle.Load(parse.GetValue(model) ?? RealtimeMM.Bundle.ModelBundle.DefaultFolder);
            var (machine, vulkan, batches) = FusionBench.Run(bundle, [1, 8], parse.GetValue(runs), TimeSpan.FromSeconds(parse.GetValue(seconds)), line => terminal.Error.WriteLine(line));
            if (parse.GetValue(json))
            {
                JsonLines.Write(terminal.Out, new
                {
                    benchmark = "fusion",
                    output = "per question: answer logits and [CLS] attention maps (every layer and head), read back",
                    machine,
                    vulkan,
                    batches = batches.Select(b => new
                    {
                        questions_per_frame = b.Questions,
                        max_abs_diff = new { vulkan_logits = NullIfNaN(b.MaxLogitDiffVulkan), vulkan_attention = NullIfNaN(b.MaxAttentionDiffVulkan), onnx_logits = b.MaxLogitDiffOnnx },
                        paths = b.Paths.Select(PathJson),
                    }),
                });
                return 0;
            }
            var o = terminal.Out;
            o.WriteLine($"machine: {machine}");
            o.WriteLine($"vulkan:  {vulkan}");
            foreach (var b in batches)
            {
                Table(o, $"{b.Questions} question(s) per frame, time per question", b.Paths, b.Paths.First(p => p.Name == "C# reference"), "C# ref");
                o.WriteLine($"  max |x - reference|: vulkan logits {b.MaxLogitDiffVulkan:E1}, attention {b.MaxAttentionDiffVulkan:E1}; ONNX Runtime logits {b.MaxLogitDiffOnnx:E1}");
            }
            return 0;
        });
        var outDir = new Option<string>("--out") { Description = "Folder for report.json and the PNG plots", DefaultValueFactory = _ => "bench-report" };
        var frames = Options.Positive("--frames", "Frames per resolution in the end-to-end runs", 120);
        var report = new Command("report", "Every stage benchmark and the end-to-end pipeline at several resolutions: report.json and PNG plots") { outDir, frames, seconds, json };
        report.SetGuardedAction(terminal, (parse, _) =>
        {
            string dir = Path.GetFullPath(parse.GetValue(outDir)!);
            var r = ReportBench.Run(dir, TimeSpan.FromSeconds(parse.GetValue(seconds)), parse.GetValue(frames), line => terminal.Error.WriteLine(line));
            if (parse.GetValue(json))
                JsonLines.Write(terminal.Out, r);
            else
                terminal.Out.WriteLine($"wrote {Path.Combine(dir, "report.json")} and preprocess.png, fusion.png, stages.png, fps.png");
            return 0;
        });
        var rows = Options.Positive("--rows", "Stored embeddings to search", 1_000_000);
        var search = new Command("search", "Time text search over stored embeddings: plain loop, TensorPrimitives, EmbeddingStore.Search") { rows, json, runs, seconds };
        search.SetGuardedAction(terminal, (parse, _) =>
        {
            var r = SearchBench.Run(parse.GetValue(rows), 128, parse.GetValue(runs), TimeSpan.FromSeconds(parse.GetValue(seconds)), line => terminal.Error.WriteLine(line));
            if (parse.GetValue(json))
            {
                JsonLines.Write(terminal.Out, new
                {
                    benchmark = "search", machine = Timing.Machine(), rows = r.Rows, dimensions = r.Dimensions, top = 10,
                    top10_agreement_with_plain_loop = r.TopAgreement, paths = r.Paths.Select(PathJson),
                });
                return 0;
            }
            terminal.Out.WriteLine($"machine: {Timing.Machine()}");
            Table(terminal.Out, $"top 10 of {r.Rows:N0} {r.Dimensions}-dim embeddings", r.Paths, r.Paths[0], "plain loop");
            terminal.Out.WriteLine($"  the fast path's top 10 agree with the plain loop's on {r.TopAgreement:P1} of the hits");
            return 0;
        });
        var loopSeconds = new Option<double>("--seconds") { Description = "How long the game loop runs", DefaultValueFactory = _ => 10.0 };
        var gameloop = new Command("gameloop", "A 60 Hz game loop submitting every frame to a RealtimeSession: the tick's own cost (p50, p99, max) while answers arrive") { loopSeconds, json };
        gameloop.SetGuardedAction(terminal, (parse, _) =>
        {
            double secs = parse.GetValue(loopSeconds);
            if (!(secs > 0 && secs <= 3600))
                throw new UsageException($"--seconds {secs} must be in (0, 3600]");
            var r = GameLoopBench.Run(secs, line => terminal.Error.WriteLine(line));
            if (parse.GetValue(json))
            {
                JsonLines.Write(terminal.Out, new
                {
                    benchmark = "gameloop", machine = Timing.Machine(), device = r.Device, ticks = r.Ticks, seconds = Math.Round(r.Seconds, 2),
                    tick_ms = new { p50 = Math.Round(r.P50Ms, 4), p99 = Math.Round(r.P99Ms, 4), max = Math.Round(r.MaxMs, 4) },
                    answers = r.Answers, frames_processed = r.Processed, frames_dropped = r.Dropped,
                });
                return 0;
            }
            terminal.Out.WriteLine($"machine: {Timing.Machine()}, session on {r.Device}");
            terminal.Out.WriteLine($"{r.Ticks} ticks at 60 Hz in {r.Seconds:F1} s: tick work p50 {r.P50Ms:F3} ms, p99 {r.P99Ms:F3} ms, max {r.MaxMs:F3} ms");
            terminal.Out.WriteLine($"meanwhile {r.Answers} answers ({r.Answers / r.Seconds:F1}/s); frames processed {r.Processed}, replaced before processing {r.Dropped}");
            return 0;
        });
        var speechScenes = new Option<int>("--scenes") { Description = "Generated scenes whose questions are spoken (10 each, 2 voices)", DefaultValueFactory = _ => 3 };
        var speech = new Command("speech", "From the end of a spoken question to its answer (push-to-talk): decode, scene-aware choice, answer") { speechScenes, json };
        speech.SetGuardedAction(terminal, (parse, _) =>
        {
            int n = parse.GetValue(speechScenes);
            if (n is < 1 or > 1000)
                throw new UsageException($"--scenes {n} must be in 1..1000");
            var r = SpeechBench.Run(n, line => terminal.Error.WriteLine(line));
            Timing.Stats[] stages = [r.Decode, r.Choice, r.Answer, r.Total];
            if (parse.GetValue(json))
            {
                JsonLines.Write(terminal.Out, new
                {
                    benchmark = "speech", machine = Timing.Machine(), questions = r.Questions, audio_ms_mean = Math.Round(r.AudioMs, 1),
                    stages = stages.Select(PathJson), end_of_speech_to_answer_max_ms = Math.Round(r.MaxTotalMs, 3),
                });
                return 0;
            }
            terminal.Out.WriteLine($"machine: {Timing.Machine()}");
            terminal.Out.WriteLine($"{r.Questions} spoken questions (mean {r.AudioMs / 1000:F2} s of audio), per question:");
            terminal.Out.WriteLine($"  {"stage",-40} {"median ms",10} {"p90 ms",9}");
            foreach (var st in stages)
                terminal.Out.WriteLine($"  {st.Name,-40} {st.MedianMs,10:F2} {st.P90Ms,9:F2}");
            terminal.Out.WriteLine($"  end of speech to answer, slowest: {r.MaxTotalMs:F2} ms");
            return 0;
        });
        var footage = new Option<string>("--footage") { Description = "The annotated real frames (tests/data/real-footage)", DefaultValueFactory = _ => Path.Combine("tests", "data", "real-footage") };
        var taughtSeconds = new Option<double>("--seconds") { Description = "How long each session runs", DefaultValueFactory = _ => 20.0 };
        var threads = new Option<int>("--threads") { Description = "Inference threads of both sessions (RealtimeSession's default leaves a core to the app: cores - 1)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var densities = new Option<string>("--density") { Description = "Feature densities to time, comma-separated: Plain (the SDK's default), DoubleAcross, Double", DefaultValueFactory = _ => "DoubleAcross,Double,Plain" };
        var taught = new Command("taught", "Taught questions on a real 640x480 stream end to end (decode, features, answer), against the scene model in the same run") { footage, taughtSeconds, threads, densities, json };
        taught.SetGuardedAction(terminal, (parse, _) =>
        {
            double secs = parse.GetValue(taughtSeconds);
            if (!(secs > 0 && secs <= 3600))
                throw new UsageException($"--seconds {secs} must be in (0, 3600]");
            int n = parse.GetValue(threads);
            if (n is < 1 or > 256)
                throw new UsageException($"--threads {n} must be in 1..256");
            var chosen = new List<FeatureDensity>();
            foreach (var d in parse.GetValue(densities)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                chosen.Add(Enum.TryParse<FeatureDensity>(d, ignoreCase: true, out var density) && Enum.IsDefined(density) && !char.IsDigit(d[0])
                    ? density : throw new UsageException($"--density '{d}' is not one of {string.Join(", ", Enum.GetNames<FeatureDensity>())}"));
            if (chosen.Count == 0)
                throw new UsageException("--density names no density");
            var (ts, s) = TaughtBench.Measure(parse.GetValue(footage)!, secs, n, chosen, line => terminal.Error.WriteLine(line));
            if (parse.GetValue(json))
            {
                object Json(TaughtBench.Run r) => new { answerer = r.Answerer, features = r.Features, frames = r.Frames, seconds = Math.Round(r.Seconds, 2), fps = Math.Round(r.Fps, 2),
                    encode_ms_median = Math.Round(r.EncodeMs, 2), answer_ms_median = Math.Round(r.AnswerMs, 2), device = r.Device };
                JsonLines.Write(terminal.Out, new { benchmark = "taught", machine = Timing.Machine(), question = "how many people are there", stream = "640x480 JPEG frames of vtest.avi", threads = n,
                    taught = ts.Select(Json).ToList(), scene_model = Json(s), ratio = ts.Select(t => Math.Round(s.Fps / t.Fps, 2)).ToList() });
                return 0;
            }
            terminal.Out.WriteLine($"machine: {Timing.Machine()}");
            terminal.Out.WriteLine($"'how many people are there' about each 640x480 frame of vtest.avi, decoded from JPEG, answered, then the next ({n} inference threads):");
            terminal.Out.WriteLine($"  {"answerer",-18} {"features",-13} {"frames/s",9} {"encode ms",10} {"answer ms",10} {"device",8}");
            foreach (var r in ts.Append(s))
                terminal.Out.WriteLine($"  {r.Answerer,-18} {r.Features,-13} {r.Fps,9:F2} {r.EncodeMs,10:F2} {r.AnswerMs,10:F2} {r.Device,8}");
            foreach (var t in ts)
                terminal.Out.WriteLine($"  the scene model answers {s.Fps / t.Fps:F2}x as many frames a second as taught examples on {t.Features} features");
            return 0;
        });
        return new Command("bench", "Benchmarks: every path timed in one run on this machine") { preprocess, fusion, report, search, gameloop, speech, taught, ClusterBenchCommand.Create(terminal) };
    }

    static double? NullIfNaN(double d) => double.IsNaN(d) ? null : d;

    static object PathJson(Timing.Stats p) =>
        new { name = p.Name, runs = p.Runs, median_ms = Math.Round(p.MedianMs, 4), p10_ms = Math.Round(p.P10Ms, 4), p90_ms = Math.Round(p.P90Ms, 4) };

    static void Table(TextWriter o, string title, IReadOnlyList<Timing.Stats> paths, Timing.Stats baseline, string baselineName)
    {
        o.WriteLine();
        o.WriteLine(title);
        o.WriteLine($"  {"path",-62} {"median ms",10} {"p90 ms",9} {"vs " + baselineName,10}");
        foreach (var p in paths)
            o.WriteLine($"  {p.Name,-62} {p.MedianMs,10:F3} {p.P90Ms,9:F3} {baseline.MedianMs / p.MedianMs,9:F2}x");
    }
}
