using System.Diagnostics;
using RealtimeMM.Scenes;
using RealtimeMM.Session;

namespace RealtimeMM.Cli.Bench;

/// <summary>
/// What embedding RealtimeMM costs a game's frame: a fixed 60 Hz tick submits a 640x480 frame to a
/// <see cref="RealtimeSession"/> with a standing question (examples/GameLoop does the same), and the
/// tick's own work is timed while answers arrive on the session's threads.
/// </summary>
internal static class GameLoopBench
{
    public sealed record Result(int Ticks, double Seconds, double P50Ms, double P99Ms, double MaxMs, long Answers, long Processed, long Dropped, string Device);

    public static Result Run(double seconds, Action<string> progress)
    {
        using var session = RealtimeSession.Create();
        session.AddStandingQuestion("how many cars are there");
        long answers = 0;
        session.Answered += (_, _) => Interlocked.Increment(ref answers);
        var options = new SceneOptions { Width = 640, Height = 480 };
        var frames = Enumerable.Range(0, 30).Select(i => SceneGenerator.Render(5, i, options).Bgr).ToArray();
        progress($"ticking at 60 Hz for {seconds} s ({session.Device})");
        var tick = TimeSpan.FromSeconds(1.0 / 60);
        var samples = new List<double>();
        var clock = Stopwatch.StartNew();
        for (long n = 0; clock.Elapsed.TotalSeconds < seconds; n++)
        {
            long t0 = Stopwatch.GetTimestamp();
            session.SubmitFrame(frames[n % frames.Length], options.Width, options.Height, options.Width * 3);
            samples.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            var next = tick * (n + 1) - clock.Elapsed;
            if (next > TimeSpan.Zero)
                Thread.Sleep(next);
        }
        double elapsed = clock.Elapsed.TotalSeconds;
        var s = session.Stats;
        samples.Sort();
        return new Result(samples.Count, elapsed, Percentile(samples, 0.5), Percentile(samples, 0.99), samples[^1], Interlocked.Read(ref answers), s.FramesProcessed, s.FramesDropped, session.Device);
    }

    /// <summary>The q-quantile of sorted samples.</summary>
    static double Percentile(List<double> sorted, double q) => sorted[Math.Clamp((int)Math.Round(q * (sorted.Count - 1)), 0, sorted.Count - 1)];
}
