using System.CommandLine;
using System.Diagnostics;
using RealtimeMM.Sources;
using RealtimeMM.Capture;
using RealtimeMM.Frames;
using RealtimeMM.Session;

namespace RealtimeMM.Cli.Commands;

/// <summary>
/// <c>rtmm soak</c>: N replay streams at real-time pace, each into its own session, with M askers per
/// stream, for a while. Memory and handles are sampled every second after a warm-up; it passes when
/// memory's trend over the window (<see cref="MemoryTrend"/>: native and managed apart) grows less
/// than 5% of the working set, live frames and open handles do not grow, and every question was answered. CI runs it for 60 s; the long mode is <c>--seconds 1800</c>.
/// </summary>
internal static class SoakCommand
{
    static readonly string[] Questions = ["how many cars are there", "what color is the ball", "is there a dog", "where is the tree", "what is the red object", "how many people can you see"];

    public static Command Create(Terminal terminal)
    {
        var clip = new Argument<string>("clip") { Description = "Replay clip (or video) each stream plays, looping" };
        var streams = Options.Positive("--streams", "Streams, each with its own session", 2);
        var askers = Options.Positive("--askers", "Concurrent askers per stream", 4);
        var seconds = Options.Positive("--seconds", "How long", 60);
        var warmup = Options.Positive("--warmup", "Seconds before the memory baseline is taken", 10);
        var device = Options.Device();
        var json = Options.Json();
        var command = new Command("soak", "Streams and askers for a while; memory, handles and latency reported; fails on growth or an unanswered question") { clip, streams, askers, seconds, warmup, device, json };
        command.SetGuardedAction(terminal, (parse, cancel) =>
        {
            string source = parse.GetValue(clip)!;
            int n = parse.GetValue(streams), m = parse.GetValue(askers), total = parse.GetValue(seconds), warm = Math.Min(parse.GetValue(warmup), total / 2);
            using (FrameSource.Open(source)) { } // a bad clip fails here, once, with its own message
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);        // the askers
            using var stopFeeding = CancellationTokenSource.CreateLinkedTokenSource(cancel); // the streams, after the askers are done
            var sessions = Enumerable.Range(0, n).Select(_ => RealtimeSession.Create(new RealtimeSessionOptions { Device = parse.GetValue(device), InferenceThreads = 1 })).ToArray();
            var latencies = new List<double>();
            long asked = 0, answered = 0, failed = 0;
            var tasks = new List<Task>();
            var feeders = new List<Task>();
            foreach (var session in sessions)
            {
                feeders.Add(Task.Run(() => Feed(source, session, stopFeeding.Token)));
                for (int a = 0; a < m; a++)
                {
                    int seed = tasks.Count;
                    tasks.Add(Task.Run(async () =>
                    {
                        var rng = new Random(seed);
                        while (!stop.IsCancellationRequested)
                        {
                            Interlocked.Increment(ref asked);
                            long t0 = Stopwatch.GetTimestamp();
                            try
                            {
                                var answer = await session.AskAsync(Questions[rng.Next(Questions.Length)]).WaitAsync(TimeSpan.FromSeconds(30));
                                Interlocked.Increment(ref answered);
                                lock (latencies)
                                    latencies.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                            }
                            catch (TimeoutException)
                            {
                                Interlocked.Increment(ref failed);
                            }
                        }
                    }));
                }
            }
            var samples = new List<MemorySample>();
            var clock = Stopwatch.StartNew();
            using (var progress = parse.GetValue(json) ? null : new Progress(terminal, "soak", total))
            {
                while (clock.Elapsed.TotalSeconds < total && !cancel.IsCancellationRequested)
                {
                    Thread.Sleep(1000);
                    if (clock.Elapsed.TotalSeconds >= warm)
                        samples.Add(MemorySample.Take(clock.Elapsed.TotalSeconds));
                    progress?.Report(Math.Min(total, (int)clock.Elapsed.TotalSeconds));
                }
            }
            stop.Cancel(); // askers finish their last question (frames still come), then the streams stop
            Task.WaitAll(tasks.ToArray(), TimeSpan.FromSeconds(60));
            stopFeeding.Cancel();
            Task.WaitAll(feeders.ToArray(), TimeSpan.FromSeconds(10));
            var stats = sessions.Select(s => s.Stats).ToArray();
            string where = sessions[0].Device;
            foreach (var s in sessions)
                s.Dispose();
            latencies.Sort();
            double P(double q) => latencies.Count == 0 ? double.NaN : latencies[Math.Min(latencies.Count - 1, (int)(q * latencies.Count))];
            var memory = MemoryTrend.Of(samples);
            int k = Math.Max(1, samples.Count / 5);
            int handleGrowth = samples.Count > 1 ? samples.TakeLast(k).Min(s => s.Handles) - samples.Take(k).Max(s => s.Handles) : 0;
            long frameGrowth = samples.Count > 1 ? samples.TakeLast(k).Min(s => s.LiveFrames) - samples.Take(k).Max(s => s.LiveFrames) : 0;
            long unanswered = asked - answered;
            bool pass = memory.GrowthPercent < MemoryTrend.LimitPercent && handleGrowth <= 0 && frameGrowth <= 0 && failed == 0;
            var report = new
            {
                seconds = Math.Round(clock.Elapsed.TotalSeconds, 1), streams = n, askers_per_stream = m, warmup_s = warm,
                frames = new { submitted = stats.Sum(s => s.FramesSubmitted), processed = stats.Sum(s => s.FramesProcessed), dropped = stats.Sum(s => s.FramesDropped) },
                questions = new { asked, answered, timed_out = failed, cancelled_at_stop = unanswered - failed },
                latency_ms = new { p50 = Math.Round(P(0.5), 1), p90 = Math.Round(P(0.9), 1), p99 = Math.Round(P(0.99), 1), max = Math.Round(latencies.LastOrDefault(), 1) },
                memory = memory.ToJson(),
                handles = new { growth = handleGrowth, live_frames_growth = frameGrowth },
                device = where,
                pass,
            };
            if (parse.GetValue(json))
                JsonLines.Write(terminal.Out, report);
            else
                terminal.Out.WriteLine($"soak {report.seconds} s, {n} streams x {m} askers: frames {report.frames.processed} processed, {report.frames.dropped} dropped; " +
                    $"questions {answered}/{asked} answered ({failed} timed out); latency p50 {report.latency_ms.p50} ms, p99 {report.latency_ms.p99} ms; " +
                    $"{memory}, handles {handleGrowth:+0;-0}, live frames {frameGrowth:+0;-0}: {(pass ? "PASS" : "FAIL")}");
            return pass ? 0 : 2;
        });
        return command;
    }

    /// <summary>Plays the clip at its own pace into the session, over and over.</summary>
    static void Feed(string source, RealtimeSession session, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            using var src = FrameSource.Open(source, new FrameSourceOptions { Pacing = Pacing.RealTime });
            try
            {
                while (src.Read(stop) is { } frame)
                    using (frame)
                        session.SubmitFrame(frame.Pixels, frame.Width, frame.Height, frame.Stride);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
