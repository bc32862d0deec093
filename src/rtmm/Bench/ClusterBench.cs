using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using RealtimeMM.Capture;
using RealtimeMM.Cluster;
using RealtimeMM.Gpu;
using RealtimeMM.Replay;
using RealtimeMM.Search;
using RealtimeMM.Scenes;
using RealtimeMM.Session;
using RealtimeMM.Sources;

namespace RealtimeMM.Cli.Bench;

/// <summary>
/// The camera cluster under load, on this machine: a redis-server and one or two <c>rtmm serve</c>
/// silo processes of its own, cameras that replay a generated 640x480 MJPEG clip at real-time pacing
/// (decoding included, looping), one standing question each. For each camera count it measures the
/// frames processed a second (each camera and in all), the share of offered frames answered, the
/// answers' latency (from the frame's arrival to its answer, p50/p95, from the answer stream), the
/// most and least served cameras, and the silos' memory per camera; the baseline is one in-process
/// <see cref="RealtimeSession"/> on the same clip at the most it processes (decoding a frame ahead).
/// Then the issue's two targets: 16 cameras offering 80% of that baseline in all, and twice that.
/// </summary>
internal static class ClusterBench
{
    public const string Question = "is there a car";

    public sealed record Settings(int[] Cameras, int[] Silos, double WarmupSeconds, double Seconds, double SoakMinutes, int Threads, DevicePreference Device, string Out);

    public sealed record Run(string Name, int Silos, int Cameras, string Split, double OfferedFps, double Seconds, double CapturedPerSecond, double ProcessedPerSecond,
        double MostServed, double LeastServed, double AnsweredShare, long Dropped, double LatencyP50Ms, double LatencyP95Ms, long Answers, double MemoryPerCameraMb,
        double SiloMemoryMb, IReadOnlyList<(double Minutes, double Mb)> Memory)
    {
        public double PerCamera => ProcessedPerSecond / Cameras;
        public double ServedRatio => LeastServed > 0 ? MostServed / LeastServed : double.PositiveInfinity;
    }

    public sealed record Baseline(double ProcessedPerSecond, double DecodeMs, string Device)
    {
        /// <summary>The share of the machine's cores that decoding <paramref name="framesPerSecond"/> takes, at the baseline's decode time a frame.</summary>
        public double DecodeShare(double framesPerSecond) => framesPerSecond * DecodeMs / 1000 / Environment.ProcessorCount;
    }

    public sealed record Report(Baseline Baseline, IReadOnlyList<Run> Scale, IReadOnlyList<Run> Targets, IReadOnlyList<SearchRun> Searches, IReadOnlyList<FailoverRun> Failovers, string Clip);

    /// <summary>A silo SIGKILLed under cameras: how long each of its cameras took to process frames again on the other silo.</summary>
    public sealed record FailoverRun(int Silos, int Cameras, int OnKilledSilo, double MedianSeconds, double MaxSeconds);

    /// <summary>Text searches over every camera's index (each filled with an hour at the default sampling) while the cameras run.</summary>
    public sealed record SearchRun(int Silos, int Cameras, int FramesPerCamera, int Searches, double P50Ms, double P95Ms, double MaxMs, double HitsPerSearch);

    public static Report Measure(Settings s, Action<string> progress)
    {
        Directory.CreateDirectory(s.Out);
        string clips = Path.Combine(s.Out, "clips");
        string clip30 = WriteClip(Path.Combine(clips, "30fps"), 30, progress);
        var baseline = MeasureBaseline(clip30, s, progress);
        progress($"baseline: one in-process session processes {baseline.ProcessedPerSecond:F1} frames/s at most on this clip (decode {baseline.DecodeMs:F1} ms a frame, {baseline.Device})");
        double under = 0.8 * baseline.ProcessedPerSecond / 16, over = 2 * under;
        string clipUnder = WriteClip(Path.Combine(clips, "under"), under, progress);
        string clipOver = WriteClip(Path.Combine(clips, "over"), over, progress);

        using var redis = RedisServer.Start();
        var scale = new List<Run>();
        var targets = new List<Run>();
        var searches = new List<SearchRun>();
        var failovers = new List<FailoverRun>();
        var (hour, texts, header) = AnHourOfEmbeddings(clip30, s.Device, progress);
        foreach (int silos in s.Silos)
        {
            string cluster = $"bench{silos}";
            using var processes = SiloProcesses.Start(redis.Address, cluster, silos, s, progress);
            using var host = CameraCluster.ConnectAsync(new CameraClusterOptions { Redis = redis.Address, ClusterId = cluster }).GetAwaiter().GetResult();
            var client = host.Client();
            foreach (int n in s.Cameras)
                scale.Add(RunCameras($"{n} x 30 fps", client, processes, clip30, 30, n, s.Seconds, 0, s.WarmupSeconds, progress));
            targets.Add(RunCameras($"16 x {under:F2} fps (80% of the baseline)", client, processes, clipUnder, under, 16, s.Seconds, 0, s.WarmupSeconds, progress));
            targets.Add(RunCameras($"16 x {over:F2} fps (160% of the baseline)", client, processes, clipOver, over, 16, s.SoakMinutes > 0 ? s.SoakMinutes * 60 : s.Seconds,
                s.SoakMinutes > 0 ? 10 : 0, s.WarmupSeconds, progress));
            searches.Add(RunSearches(client, processes, redis.Address, cluster, clipUnder, hour, texts, header, progress));
            if (silos >= 2)
                failovers.Add(RunFailover(client, processes, clipUnder, 8, progress)); // last: it kills a silo
            host.StopAsync().GetAwaiter().GetResult();
        }
        return new Report(baseline, scale, targets, searches, failovers, "generated scenes, 640x480 MJPEG, 300 frames looping");
    }

    /// <summary>A 640x480 MJPEG clip of 300 generated frames (moving scenes with cars) timed at <paramref name="fps"/>.</summary>
    static string WriteClip(string folder, double fps, Action<string> progress)
    {
        if (Directory.Exists(folder))
            Directory.Delete(folder, recursive: true);
        progress($"writing a 640x480 clip at {fps:F2} fps to {folder}");
        using var writer = ClipWriter.Create(folder, ClipFormat.Mjpeg, fps, "rtmm bench cluster");
        int i = 0;
        foreach (var scene in SceneGenerator.RenderClip(31, 300, 30, new SceneOptions { Width = 640, Height = 480 }))
        {
            var ts = TimeSpan.FromSeconds(i / fps);
            using var frame = scene.ToFrame(i, ts);
            writer.Append(frame, scene.ToTruth(i, ts));
            i++;
        }
        return writer.Complete();
    }

    /// <summary>One in-process session at the most it processes: each frame decoded while the last is processed, submitted when the session is free.</summary>
    static Baseline MeasureBaseline(string clip, Settings s, Action<string> progress)
    {
        // at most: as many inference threads as the machine has cores (the cameras each get --threads)
        using var session = RealtimeSession.Create(new RealtimeSessionOptions { Device = s.Device, InferenceThreads = Environment.ProcessorCount });
        session.AddStandingQuestion(Question);
        progress($"baseline: one session ({session.Device}, {Environment.ProcessorCount} inference threads) for {s.Seconds:F0} s");
        var decode = new List<double>();
        Stopwatch? clock = null;
        long startProcessed = 0;
        var source = FrameSource.Open(clip, new FrameSourceOptions { Pacing = Pacing.AsFastAsPossible });
        try
        {
            Stopwatch? clock0 = null;
            long submitted = 0;
            while (clock0 is null || clock0.Elapsed.TotalSeconds < s.Seconds)
            {
                long t0 = Stopwatch.GetTimestamp();
                var frame = source.Read();
                if (frame is null)
                {
                    // the clip's end: open it again, as a looping camera does
                    source.Dispose();
                    source = FrameSource.Open(clip, new FrameSourceOptions { Pacing = Pacing.AsFastAsPossible });
                    continue;
                }
                decode.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                using (frame)
                {
                    while (session.Stats.FramesProcessed + session.Stats.FramesFailed < submitted)
                        Thread.Sleep(0); // the session is busy with the last frame: this one was decoded meanwhile
                    session.SubmitFrame(frame.Pixels, frame.Width, frame.Height, frame.Stride);
                    submitted++;
                }
                if (submitted == 5)
                {
                    clock0 = Stopwatch.StartNew();
                    startProcessed = session.Stats.FramesProcessed;
                }
            }
            clock = clock0;
        }
        finally
        {
            source.Dispose();
        }
        double seconds = clock?.Elapsed.TotalSeconds ?? 1;
        double rate = (session.Stats.FramesProcessed - startProcessed) / seconds;
        decode.Sort();
        return new Baseline(rate, decode[decode.Count / 2], session.Device);
    }

    static Run RunCameras(string name, IClusterClient client, SiloProcesses silos, string clip, double fps, int n, double seconds, double memoryEverySeconds, double warmup, Action<string> progress)
    {
        double idleMb = silos.RssMb();
        progress($"{name} on {silos.Count} silo(s): starting {n} camera(s)");
        var ids = StartCameras(client, "cam", n, clip);
        Thread.Sleep(TimeSpan.FromSeconds(warmup));
        var answers = new ConcurrentQueue<CameraAnswer>();
        var subscription = CameraAlerts.SubscribeAnswersAsync(client, b =>
        {
            foreach (var a in b.Answers)
                answers.Enqueue(a);
            return Task.CompletedTask;
        }).GetAwaiter().GetResult();
        Thread.Sleep(1000); // subscribed
        var before = Healths(client, ids);
        var from = DateTimeOffset.UtcNow;
        progress($"{name} on {silos.Count} silo(s): measuring {seconds:F0} s");
        var memory = new List<(double, double)>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            double wait = memoryEverySeconds > 0 ? Math.Min(memoryEverySeconds, seconds - clock.Elapsed.TotalSeconds) : seconds - clock.Elapsed.TotalSeconds;
            Thread.Sleep(TimeSpan.FromSeconds(Math.Max(0, wait)));
            if (memoryEverySeconds > 0)
            {
                memory.Add((clock.Elapsed.TotalMinutes, silos.RssMb()));
                progress($"  {clock.Elapsed.TotalMinutes:F1} min: silos {memory[^1].Item2:F0} MB");
            }
        }
        double elapsed = clock.Elapsed.TotalSeconds;
        var after = Healths(client, ids);
        var to = DateTimeOffset.UtcNow;
        double rssMb = silos.RssMb();
        subscription.UnsubscribeAsync().GetAwaiter().GetResult();
        RemoveCameras(client, ids);
        Thread.Sleep(2000);

        var processed = ids.Select((_, i) => (after[i].FramesProcessed - before[i].FramesProcessed) / elapsed).ToArray();
        long captured = ids.Select((_, i) => after[i].FramesCaptured - before[i].FramesCaptured).Sum();
        long done = ids.Select((_, i) => after[i].FramesProcessed - before[i].FramesProcessed).Sum();
        var latencies = answers.Where(a => a.At >= from && a.At <= to && a.LatencyMs is not null).Select(a => a.LatencyMs!.Value).Order().ToArray();
        double P(double p) => latencies.Length == 0 ? double.NaN : latencies[(int)Math.Min(latencies.Length - 1, p * latencies.Length)];
        string split = string.Join("/", after.GroupBy(h => h.Silo).Select(g => g.Count()).OrderDescending());
        var run = new Run(name, silos.Count, n, split, fps, elapsed, captured / elapsed, done / elapsed, processed.Max(), processed.Min(),
            captured > 0 ? (double)done / captured : 0, captured - done, P(0.5), P(0.95), latencies.Length, (rssMb - idleMb) / n, rssMb, memory);
        progress($"{name} on {silos.Count} silo(s) (cameras {split}): {run.ProcessedPerSecond:F1} frames/s in all ({run.PerCamera:F2} a camera), {100 * run.AnsweredShare:F1}% of offered answered, " +
            $"p50 {run.LatencyP50Ms:F0} ms, p95 {run.LatencyP95Ms:F0} ms, most/least served {run.ServedRatio:F2}x, {run.MemoryPerCameraMb:F0} MB a camera");
        return run;
    }

    /// <summary>
    /// An hour of one camera's index at the default sampling (7,200 frames, two a second): the embeddings
    /// of the clip's 300 frames, each repeated 24 times, and the texts to search for ("a red car": the
    /// things the clip shows and some it does not).
    /// </summary>
    static (IReadOnlyList<IndexedFrame> Hour, IReadOnlyList<string> Texts, FrameIndexHeader Header) AnHourOfEmbeddings(string clip, DevicePreference device, Action<string> progress)
    {
        progress("embedding the clip's 300 frames for an hour of index per camera");
        using var answerer = RealtimeMM.Answering.QuestionAnswerer.Open(device: device);
        var embeddings = new List<float[]>();
        using (var source = FrameSource.Open(clip, new FrameSourceOptions { Pacing = Pacing.AsFastAsPossible }))
            while (source.Read() is { } frame)
                using (frame)
                using (var encoding = answerer.Encode(frame))
                    embeddings.Add(encoding.Embedding.ToArray());
        double start = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds() / 1000.0;
        var hour = Enumerable.Range(0, 7200).Select(i => new IndexedFrame(i, start + i * 0.5, embeddings[i % embeddings.Count])).ToList();
        var texts = SceneWorld.Colors.Take(6).SelectMany(c => new[] { "car", "truck", "person", "dog" }.Select(k => $"{SceneWorld.Article(c)} {c} {k}")).ToList();
        return (hour, texts, FrameIndexHeader.For(answerer.Bundle, "rtmm bench cluster"));
    }

    /// <summary>16 cameras with an hour of index each in Redis, running at the under-capacity rate, searched from the client one text after another.</summary>
    static SearchRun RunSearches(IClusterClient client, SiloProcesses silos, string redis, string cluster, string clip, IReadOnlyList<IndexedFrame> hour,
        IReadOnlyList<string> texts, FrameIndexHeader header, Action<string> progress)
    {
        const int cameras = 16;
        var ids = Ids("search", cameras);
        progress($"search on {silos.Count} silo(s): filling {cameras} cameras' indexes with {hour.Count} frames each");
        using (var store = new CameraIndexStore(redis, cluster))
            foreach (var id in ids)
                store.Fill(id, header, hour);
        StartCameras(client, "search", cameras, clip, h => h.IndexFrames >= hour.Count);
        var times = new List<double>();
        long hits = 0;
        for (int i = 0; i < 120; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            var found = CameraSearch.SearchAllAsync(client, texts[i % texts.Count], new CameraSearchOptions { Top = 10 }).GetAwaiter().GetResult();
            double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            if (i >= 20) // the first searches warm up each camera's text search
            {
                times.Add(ms);
                hits += found.Hits.Count;
            }
        }
        RemoveCameras(client, ids);
        times.Sort();
        var run = new SearchRun(silos.Count, cameras, hour.Count, times.Count, times[times.Count / 2], times[(int)(0.95 * times.Count)], times[^1], (double)hits / times.Count);
        progress($"search on {silos.Count} silo(s): {cameras} cameras x {hour.Count} frames, {run.Searches} searches: p50 {run.P50Ms:F1} ms, p95 {run.P95Ms:F1} ms, max {run.MaxMs:F1} ms");
        return run;
    }

    /// <summary><paramref name="n"/> cameras on the silos; the silo with the most of them is SIGKILLed; each of its cameras is timed until it processes frames on another silo.</summary>
    static FailoverRun RunFailover(IClusterClient client, SiloProcesses silos, string clip, int n, Action<string> progress)
    {
        progress($"failover on {silos.Count} silos: starting {n} cameras");
        var ids = StartCameras(client, "failover", n, clip);
        var healths = Healths(client, ids);
        var victim = healths.GroupBy(h => h.Silo).OrderByDescending(g => g.Count()).First();
        var moving = victim.Select(h => h.Camera).ToArray();
        int index = silos.IndexOf(victim.Key);
        progress($"failover: SIGKILL of silo {index} ({victim.Key}), which runs {moving.Length} of the {n} cameras");
        silos.Kill(index);
        var clock = Stopwatch.StartNew();
        var back = new Dictionary<string, double>();
        while (back.Count < moving.Length && clock.Elapsed < TimeSpan.FromMinutes(2))
        {
            foreach (var id in moving.Where(m => !back.ContainsKey(m)))
            {
                try
                {
                    var h = client.GetGrain<ICameraGrain>(id).Health().WaitAsync(TimeSpan.FromSeconds(2)).GetAwaiter().GetResult();
                    if (h.Silo != victim.Key && h.FramesProcessed > 0)
                        back[id] = clock.Elapsed.TotalSeconds;
                }
                catch (Exception e) when (e is OrleansException or TimeoutException or CameraException)
                {
                    // its silo is not yet declared dead, or it is starting on another
                }
            }
            Thread.Sleep(100);
        }
        RemoveCameras(client, ids);
        var times = back.Values.Order().ToArray();
        var run = new FailoverRun(silos.Count, n, moving.Length, times.Length == moving.Length ? times[times.Length / 2] : double.NaN,
            times.Length == moving.Length ? times[^1] : double.PositiveInfinity);
        progress($"failover: {times.Length} of {moving.Length} cameras processing again on another silo, median {run.MedianSeconds:F1} s, last {run.MaxSeconds:F1} s after the SIGKILL");
        return run;
    }

    static string[] Ids(string prefix, int n) => Enumerable.Range(0, n).Select(i => $"{prefix}{i:D2}").ToArray();

    /// <summary>
    /// Starts <paramref name="n"/> cameras replaying the clip with the one standing question, and
    /// waits (up to 3 minutes) until each has processed a frame and meets <paramref name="ready"/>.
    /// </summary>
    static string[] StartCameras(IClusterClient client, string prefix, int n, string clip, Func<CameraHealth, bool>? ready = null)
    {
        var ids = Ids(prefix, n);
        foreach (var id in ids)
            client.GetGrain<ICameraGrain>(id).Start(new CameraSpec { Source = clip, Loop = true, StandingQuestions = [Question] }).GetAwaiter().GetResult();
        var clock = Stopwatch.StartNew();
        while (Healths(client, ids).Any(h => h.FramesProcessed == 0 || (ready is not null && !ready(h))) && clock.Elapsed < TimeSpan.FromMinutes(3))
            Thread.Sleep(500);
        return ids;
    }

    /// <summary>Removes the cameras; one whose silo is gone and that is not back within 30 s is left to the directory.</summary>
    static void RemoveCameras(IClusterClient client, IEnumerable<string> ids)
    {
        foreach (var id in ids)
        {
            try
            {
                client.GetGrain<ICameraGrain>(id).Remove().WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is OrleansException or TimeoutException)
            {
            }
        }
    }

    static CameraHealth[] Healths(IClusterClient client, string[] ids) =>
        Task.WhenAll(ids.Select(id => client.GetGrain<ICameraGrain>(id).Health())).GetAwaiter().GetResult();

    static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>A loopback redis-server of the benchmark's own, no persistence; killed at the end.</summary>
    sealed class RedisServer : IDisposable
    {
        readonly Process process;

        RedisServer(Process process, string address)
        {
            this.process = process;
            Address = address;
        }

        public string Address { get; }

        public static RedisServer Start()
        {
            int port = FreePort();
            Process p;
            try
            {
                p = Process.Start(new ProcessStartInfo("redis-server", $"--port {port} --bind 127.0.0.1 --save \"\" --appendonly no") { RedirectStandardOutput = true, RedirectStandardError = true })!;
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new UsageException($"redis-server: cannot start it ({e.Message}); tools/setup installs it");
            }
            var server = new RedisServer(p, $"127.0.0.1:{port}");
            var clock = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    CameraCluster.CheckRedis(server.Address);
                    return server;
                }
                catch (CameraClusterException) when (clock.Elapsed < TimeSpan.FromSeconds(10))
                {
                    Thread.Sleep(100);
                }
            }
        }

        public void Dispose()
        {
            if (!process.HasExited)
                process.Kill();
            process.WaitForExit(5000);
            process.Dispose();
        }
    }

    /// <summary>rtmm serve processes of one cluster; stopped (SIGTERM, then killed) at the end.</summary>
    sealed class SiloProcesses : IDisposable
    {
        readonly List<Process> processes = [];
        readonly List<int> ports = [];

        public int Count => processes.Count;

        /// <summary>Which silo process an Orleans silo address (S127.0.0.1:PORT:GEN) is.</summary>
        public int IndexOf(string siloAddress) => ports.FindIndex(p => siloAddress.Contains($":{p}:", StringComparison.Ordinal));

        /// <summary>SIGKILLs silo <paramref name="index"/>: no goodbye to the cluster.</summary>
        public void Kill(int index)
        {
            processes[index].Kill();
            processes[index].WaitForExit(10_000);
        }

        public static SiloProcesses Start(string redis, string cluster, int count, Settings s, Action<string> progress)
        {
            var silos = new SiloProcesses();
            try
            {
                for (int i = 0; i < count; i++)
                {
                    var (file, prefix) = Self();
                    int port = FreePort();
                    silos.ports.Add(port);
                    var info = new ProcessStartInfo(file, $"{prefix}serve --redis {redis} --cluster {cluster} --silo-port {port} --gateway-port {FreePort()} --device {s.Device} --threads {s.Threads}")
                        { RedirectStandardOutput = true, RedirectStandardError = true };
                    var p = Process.Start(info)!;
                    silos.processes.Add(p);
                    var up = new TaskCompletionSource<string>();
                    p.OutputDataReceived += (_, e) => { if (e.Data?.StartsWith("rtmm serve: silo up", StringComparison.Ordinal) == true) up.TrySetResult(e.Data); };
                    p.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line) progress($"  silo {i}: {line}"); };
                    p.BeginOutputReadLine();
                    p.BeginErrorReadLine();
                    if (!up.Task.Wait(TimeSpan.FromSeconds(90)))
                        throw new InvalidOperationException($"silo {i} of cluster '{cluster}' did not come up in 90 s{(p.HasExited ? $" (exit {p.ExitCode})" : "")}");
                    progress($"silo {i} up: {up.Task.Result}");
                }
                return silos;
            }
            catch
            {
                silos.Dispose();
                throw;
            }
        }

        /// <summary>How to start this rtmm again: its apphost, or dotnet with its dll.</summary>
        static (string File, string Prefix) Self()
        {
            string path = Environment.ProcessPath!;
            return Path.GetFileNameWithoutExtension(path) == "dotnet" ? (path, $"\"{typeof(ClusterBench).Assembly.Location}\" ") : (path, "");
        }

        /// <summary>The silos' resident memory in all (MB), from /proc.</summary>
        public double RssMb() => processes.Where(p => !p.HasExited).Sum(p =>
        {
            var line = File.ReadLines($"/proc/{p.Id}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? 0 : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;
        });

        public void Dispose()
        {
            foreach (var p in processes)
            {
                try
                {
                    if (!p.HasExited)
                    {
                        Process.Start("kill", $"-TERM {p.Id}")?.WaitForExit();
                        if (!p.WaitForExit(15_000))
                            p.Kill(entireProcessTree: true);
                    }
                }
                catch (InvalidOperationException)
                {
                }
                p.Dispose();
            }
        }
    }
}
