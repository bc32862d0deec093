using System.Diagnostics;
using RealtimeMM.Frames;

namespace RealtimeMM.Cli.Commands;

/// <summary>One sample of a soak's process: working set, the garbage collector's heap, live frames, open handles.</summary>
/// <param name="Committed">Memory the garbage collector has committed (its heap with free space and budgets): the working set less this is native memory.</param>
/// <param name="ManagedLive">The managed objects still reachable: measured after a full blocking collection, because the heap's
/// size after an ordinary one also counts old garbage that waits for the next full one, which grows for minutes and then drops.</param>
internal readonly record struct MemorySample(double T, long WorkingSet, long Committed, long ManagedLive, long LiveFrames, int Handles)
{
    public long Native => WorkingSet - Committed;

    public static MemorySample Take(double t)
    {
        long live = GC.GetTotalMemory(forceFullCollection: true);
        return new(t, Process.GetCurrentProcess().WorkingSet64, GC.GetGCMemoryInfo().TotalCommittedBytes, live, Frame.LiveCount, Directory.GetFiles("/proc/self/fd").Length);
    }
}

/// <summary>
/// Memory growth over a soak's window judged by its trend, native and managed apart. A 60-s soak's
/// working set moves in steps that are not leaks: the garbage collector commits a larger heap when
/// its budgets adapt (measured: +4.6 MB committed in one step at 42 s, the whole of a +5 MB working-set
/// step), and one such step near the end read as +5.6% by the old end-against-start comparison.
/// A leak grows all the time, a step once: the Theil–Sen slope (the median of the slopes between
/// every pair of samples) follows the first and ignores a single step, so growth is the slope times
/// the window, for native memory (working set less the collector's commitment) and for the managed
/// heap after collection, each in MB and as a share of the starting working set.
/// </summary>
internal sealed record MemoryTrend(double WorkingSetStartMb, double WorkingSetEndMb, double NativeMbPerMinute, double ManagedMbPerMinute, double WindowSeconds)
{
    /// <summary>The most growth over the window, by trend, as a share of the starting working set.</summary>
    public const double LimitPercent = 5;

    public double GrowthMb => (Math.Max(0, NativeMbPerMinute) + Math.Max(0, ManagedMbPerMinute)) * WindowSeconds / 60;

    public double GrowthPercent => WorkingSetStartMb > 0 ? GrowthMb / WorkingSetStartMb * 100 : 0;

    public static MemoryTrend Of(IReadOnlyList<MemorySample> samples)
    {
        int k = Math.Max(1, samples.Count / 5);
        double Mb(double bytes) => bytes / 1e6;
        double Median(IEnumerable<double> v) { var a = v.Order().ToArray(); return a.Length == 0 ? 0 : a[a.Length / 2]; }
        double window = samples.Count > 1 ? samples[^1].T - samples[0].T : 0;
        return new(
            Mb(Median(samples.Take(k).Select(s => (double)s.WorkingSet))), Mb(Median(samples.TakeLast(k).Select(s => (double)s.WorkingSet))),
            Mb(Slope(samples, s => s.Native)) * 60, Mb(Slope(samples, s => s.ManagedLive)) * 60, window);
    }

    /// <summary>The Theil–Sen slope, per second: the median slope over all pairs of samples.</summary>
    internal static double Slope(IReadOnlyList<MemorySample> samples, Func<MemorySample, long> value)
    {
        var slopes = new List<double>(samples.Count * (samples.Count - 1) / 2);
        for (int i = 0; i < samples.Count; i++)
            for (int j = i + 1; j < samples.Count; j++)
                if (samples[j].T > samples[i].T)
                    slopes.Add((value(samples[j]) - value(samples[i])) / (samples[j].T - samples[i].T));
        if (slopes.Count == 0)
            return 0;
        slopes.Sort();
        return slopes[slopes.Count / 2];
    }

    public object ToJson() => new
    {
        working_set_start_mb = Math.Round(WorkingSetStartMb, 1),
        working_set_end_mb = Math.Round(WorkingSetEndMb, 1),
        native_trend_mb_per_min = Math.Round(NativeMbPerMinute, 3),
        managed_trend_mb_per_min = Math.Round(ManagedMbPerMinute, 3),
        growth_by_trend_mb = Math.Round(GrowthMb, 2),
        growth_percent = Math.Round(GrowthPercent, 2),
        limit_percent = LimitPercent,
    };

    public override string ToString() =>
        $"working set {WorkingSetStartMb:F1} -> {WorkingSetEndMb:F1} MB; trend native {NativeMbPerMinute:+0.00;-0.00} MB/min, managed {ManagedMbPerMinute:+0.00;-0.00} MB/min: " +
        $"{GrowthMb:F1} MB over {WindowSeconds:F0} s ({GrowthPercent:F2}% of the working set, limit {LimitPercent}%)";
}
