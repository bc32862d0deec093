using System.CommandLine;
using RealtimeMM.Cli.Bench;

namespace RealtimeMM.Cli.Commands;

/// <summary><c>rtmm bench cluster</c>: the camera cluster under load (<see cref="ClusterBench"/>): a table, report.json and plots.</summary>
internal static class ClusterBenchCommand
{
    public static Command Create(Terminal terminal)
    {
        var cameras = new Option<string>("--cameras") { Description = "Camera counts to run, comma-separated", DefaultValueFactory = _ => "1,2,4,8,16" };
        var silos = new Option<string>("--silos") { Description = "Silo process counts to run, comma-separated", DefaultValueFactory = _ => "1,2" };
        var seconds = new Option<double>("--seconds") { Description = "Measured seconds per run", DefaultValueFactory = _ => 20 };
        var warmup = new Option<double>("--warmup") { Description = "Seconds after every camera has answered before measuring", DefaultValueFactory = _ => 5 };
        var soak = new Option<double>("--soak-minutes") { Description = "Run the overloaded target this many minutes, memory sampled every 10 s (0: --seconds like the rest)", DefaultValueFactory = _ => 0 };
        var threads = Options.Positive("--threads", "Inference threads per camera and of the baseline session", Math.Max(1, Environment.ProcessorCount - 1));
        var device = Options.Device();
        var outDir = new Option<string>("--out") { Description = "Folder for report.json, the plots and the clips", DefaultValueFactory = _ => "bench-cluster" };
        var json = Options.Json();
        var command = new Command("cluster", "Cameras on one and two rtmm serve silos (a redis-server of its own): frames processed, answered share, latency, memory, against one in-process session")
            { cameras, silos, seconds, warmup, soak, threads, device, outDir, json };
        command.SetGuardedAction(terminal, (parse, _) =>
        {
            int[] Counts(Option<string> o, int max) => parse.GetValue(o)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(x => int.TryParse(x, out int n) && n >= 1 && n <= max ? n : throw new UsageException($"{o.Name} {parse.GetValue(o)}: each must be a whole number in 1..{max}")).ToArray();
            double secs = parse.GetValue(seconds), warm = parse.GetValue(warmup), minutes = parse.GetValue(soak);
            if (!(secs >= 2 && secs <= 3600))
                throw new UsageException($"--seconds {secs} must be in [2, 3600]");
            if (!(warm >= 0 && warm <= 600))
                throw new UsageException($"--warmup {warm} must be in [0, 600]");
            if (!(minutes >= 0 && minutes <= 600))
                throw new UsageException($"--soak-minutes {minutes} must be in [0, 600]");
            string dir = Path.GetFullPath(parse.GetValue(outDir)!);
            var settings = new ClusterBench.Settings(Counts(cameras, 64), Counts(silos, 4), warm, secs, minutes, parse.GetValue(threads), parse.GetValue(device), dir);
            var r = ClusterBench.Measure(settings, line => terminal.Error.WriteLine(line));
            string machine = Timing.Machine();
            object RunJson(ClusterBench.Run x) => new
            {
                decode_share_of_cores = Math.Round(r.Baseline.DecodeShare(x.CapturedPerSecond), 3),
                name = x.Name, silos = x.Silos, cameras = x.Cameras, cameras_per_silo = x.Split, offered_fps_per_camera = Math.Round(x.OfferedFps, 3), seconds = Math.Round(x.Seconds, 1),
                captured_per_second = Math.Round(x.CapturedPerSecond, 2), processed_per_second = Math.Round(x.ProcessedPerSecond, 2), processed_per_camera = Math.Round(x.PerCamera, 3),
                most_served = Math.Round(x.MostServed, 3), least_served = Math.Round(x.LeastServed, 3), served_ratio = Math.Round(x.ServedRatio, 2),
                answered_share = Math.Round(x.AnsweredShare, 4), dropped = x.Dropped, latency_p50_ms = Math.Round(x.LatencyP50Ms, 1), latency_p95_ms = Math.Round(x.LatencyP95Ms, 1),
                answers = x.Answers, memory_per_camera_mb = Math.Round(x.MemoryPerCameraMb, 1), silo_memory_mb = Math.Round(x.SiloMemoryMb, 1),
                memory = x.Memory.Select(m => new { minutes = Math.Round(m.Minutes, 2), mb = Math.Round(m.Mb, 1) }),
            };
            // memory a camera costs: the slope of the silos' memory over the camera counts of the scale runs (one run's
            // difference from the idle silo mixes in what the runs before left in the heap)
            var slopes = r.Scale.GroupBy(x => x.Silos).Where(g => g.Count() >= 2).ToDictionary(g => g.Key, g => Slope(g.Select(x => ((double)x.Cameras, x.SiloMemoryMb)).ToList()));
            var report = new
            {
                memory_per_camera_mb_slope = slopes.Select(kv => new { silos = kv.Key, mb = Math.Round(kv.Value, 1) }),
                benchmark = "cluster", machine, clip = r.Clip, question = ClusterBench.Question, threads = settings.Threads, device = settings.Device.ToString(),
                baseline = new { processed_per_second = Math.Round(r.Baseline.ProcessedPerSecond, 2), decode_ms = Math.Round(r.Baseline.DecodeMs, 2), device = r.Baseline.Device },
                scale = r.Scale.Select(RunJson), targets = r.Targets.Select(RunJson),
                failover = r.Failovers.Select(x => new
                {
                    silos = x.Silos, cameras = x.Cameras, on_killed_silo = x.OnKilledSilo,
                    median_seconds = double.IsFinite(x.MedianSeconds) ? Math.Round(x.MedianSeconds, 2) : (double?)null,
                    max_seconds = double.IsFinite(x.MaxSeconds) ? Math.Round(x.MaxSeconds, 2) : (double?)null,
                }),
                search = r.Searches.Select(x => new
                {
                    silos = x.Silos, cameras = x.Cameras, frames_per_camera = x.FramesPerCamera, searches = x.Searches,
                    p50_ms = Math.Round(x.P50Ms, 2), p95_ms = Math.Round(x.P95Ms, 2), max_ms = Math.Round(x.MaxMs, 2), hits_per_search = Math.Round(x.HitsPerSearch, 2),
                }),
            };
            File.WriteAllText(Path.Combine(dir, "report.json"), System.Text.Json.JsonSerializer.Serialize(report, new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
            WritePlots(dir, machine, r);
            if (parse.GetValue(json))
            {
                JsonLines.Write(terminal.Out, report);
                return 0;
            }
            var o = terminal.Out;
            o.WriteLine($"machine: {machine}");
            o.WriteLine($"baseline: one in-process session, {r.Baseline.ProcessedPerSecond:F1} frames/s at most ({r.Baseline.Device}, {Environment.ProcessorCount} inference threads, decode {r.Baseline.DecodeMs:F1} ms a frame); cameras {settings.Threads} inference thread(s) each");
            o.WriteLine("  decode: the share of the cores decoding the offered frames takes (frames captured a second x the baseline's decode ms)");
            o.WriteLine($"  {"run",-34} {"silos",5} {"frames/s",9} {"/camera",8} {"answered",9} {"p50 ms",7} {"p95 ms",7} {"most/least",10} {"silo MB",8} {"decode",7}");
            foreach (var x in r.Scale.Concat(r.Targets))
                o.WriteLine($"  {x.Name,-34} {x.Silos,5} {x.ProcessedPerSecond,9:F1} {x.PerCamera,8:F2} {x.AnsweredShare,9:P1} {x.LatencyP50Ms,7:F0} {x.LatencyP95Ms,7:F0} {x.ServedRatio,10:F2} {x.SiloMemoryMb,8:F0} {r.Baseline.DecodeShare(x.CapturedPerSecond),7:P0}");
            foreach (var (silosCount, mb) in slopes)
                o.WriteLine($"  memory a camera costs, {silosCount} silo(s): {mb:F1} MB (slope of the silos' memory over 1-{r.Scale.Max(x => x.Cameras)} cameras)");
            foreach (var x in r.Searches)
                o.WriteLine($"  search, {x.Silos} silo(s): {x.Cameras} cameras x {x.FramesPerCamera} frames (an hour each) while they run: p50 {x.P50Ms:F1} ms, p95 {x.P95Ms:F1} ms, max {x.MaxMs:F1} ms over {x.Searches} searches");
            foreach (var x in r.Failovers)
                o.WriteLine($"  failover, {x.Silos} silos: SIGKILL of the silo running {x.OnKilledSilo} of {x.Cameras} cameras: processing again on another silo after {x.MedianSeconds:F1} s (median), {x.MaxSeconds:F1} s (last)");
            o.WriteLine($"wrote {Path.Combine(dir, "report.json")}, throughput.png, latency.png{(r.Targets.Any(t => t.Memory.Count > 0) ? ", memory.png" : "")}");
            return 0;
        });
        return command;
    }

    /// <summary>Least-squares slope of y over x.</summary>
    static double Slope(IReadOnlyList<(double X, double Y)> points)
    {
        double mx = points.Average(p => p.X), my = points.Average(p => p.Y);
        double sxx = points.Sum(p => (p.X - mx) * (p.X - mx));
        return sxx > 0 ? points.Sum(p => (p.X - mx) * (p.Y - my)) / sxx : double.NaN;
    }

    static void WritePlots(string dir, string machine, ClusterBench.Report r)
    {
        var throughput = new Dictionary<string, IReadOnlyList<(double, double)>>();
        var latency = new Dictionary<string, IReadOnlyList<(double, double)>>();
        foreach (var g in r.Scale.GroupBy(x => x.Silos))
        {
            throughput[$"{g.Key} silo(s), all cameras"] = g.Select(x => ((double)x.Cameras, x.ProcessedPerSecond)).ToList();
            latency[$"{g.Key} silo(s), p50"] = g.Select(x => ((double)x.Cameras, x.LatencyP50Ms)).ToList();
            latency[$"{g.Key} silo(s), p95"] = g.Select(x => ((double)x.Cameras, x.LatencyP95Ms)).ToList();
        }
        if (r.Scale.Count > 0)
        {
            var counts = r.Scale.Select(x => (double)x.Cameras).Distinct().Order().ToList();
            throughput["one in-process session at most"] = counts.Select(c => (c, r.Baseline.ProcessedPerSecond)).ToList();
            Plots.Lines(Path.Combine(dir, "throughput.png"), "Frames processed a second, 640x480 30 fps cameras", machine, "cameras", "frames/s in all", throughput, logX: true);
            Plots.Lines(Path.Combine(dir, "latency.png"), "Answer latency (frame arrival to answer)", machine, "cameras", "ms", latency, logX: true);
        }
        var soaks = r.Targets.Where(t => t.Memory.Count > 0).ToList();
        if (soaks.Count > 0)
            Plots.Lines(Path.Combine(dir, "memory.png"), "Silo memory, 16 overloaded cameras", machine, "minutes", "MB (all silos)",
                soaks.ToDictionary(t => $"{t.Silos} silo(s)", t => (IReadOnlyList<(double, double)>)t.Memory.ToList()));
    }
}
