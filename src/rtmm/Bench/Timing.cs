using System.Diagnostics;

namespace RealtimeMM.Cli.Bench;

/// <summary>Times an action: warm-up, then runs until an iteration count or a time budget, whichever comes first.</summary>
internal static class Timing
{
    public sealed record Stats(string Name, int Runs, double MedianMs, double P10Ms, double P90Ms, double MinMs)
    {
        public static Stats From(string name, List<double> samples)
        {
            samples.Sort();
            double At(double q) => samples[Math.Clamp((int)Math.Round(q * (samples.Count - 1)), 0, samples.Count - 1)];
            return new Stats(name, samples.Count, At(0.5), At(0.1), At(0.9), samples[0]);
        }
    }

    /// <summary>Runs <paramref name="run"/> and takes its wall time; <paramref name="extra"/> reads a second figure after each run (e.g. GPU time).</summary>
    public static (Stats Wall, Stats? Extra) Measure(string name, Action run, int maxRuns, TimeSpan budget, string? extraName = null, Func<double>? extra = null)
    {
        // warm up long enough for the JIT's tier-1 code to be in place (it recompiles hot methods after 30 calls, in the background)
        var warm = Stopwatch.StartNew();
        for (int i = 0; i < 5 || (i < 1000 && warm.Elapsed < TimeSpan.FromSeconds(0.5)); i++)
            run();
        var wall = new List<double>();
        var other = new List<double>();
        var total = Stopwatch.StartNew();
        while (wall.Count < maxRuns && (wall.Count < 5 || total.Elapsed < budget))
        {
            long t0 = Stopwatch.GetTimestamp();
            run();
            wall.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            if (extra is not null && extra() is var e && double.IsFinite(e))
                other.Add(e);
        }
        return (Stats.From(name, wall), other.Count > 0 ? Stats.From(extraName!, other) : null);
    }

    /// <summary>Any Vulkan device, lavapipe included (a benchmark times what is there), or null with a warning line.</summary>
    public static RealtimeMM.Gpu.VulkanDevice? TryVulkan(Action<string> progress)
    {
        try
        {
            return RealtimeMM.Gpu.VulkanDevice.Create();
        }
        catch (PlatformNotSupportedException e)
        {
            progress($"warning: Vulkan unavailable, timing the CPU paths only ({e.Message})");
            return null;
        }
    }

    /// <summary>The device a benchmark ran on, for its report.</summary>
    public static string Describe(RealtimeMM.Gpu.VulkanDevice? device) => device is null ? "none" : $"{device.Info.Name} ({device.Info.Type})";

    /// <summary>Largest absolute difference between two outputs (a path against the reference).</summary>
    public static double MaxAbsDiff(float[] a, float[] b)
    {
        double worst = 0;
        for (int i = 0; i < a.Length; i++)
            worst = Math.Max(worst, Math.Abs(a[i] - b[i]));
        return worst;
    }

    /// <summary>CPU model and core count, from /proc/cpuinfo where there is one.</summary>
    public static string Machine()
    {
        string cpu = "unknown CPU";
        try
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
        }
        catch (IOException)
        {
        }
        return $"{cpu}, {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}";
    }
}
