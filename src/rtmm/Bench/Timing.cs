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

    /// <summary>Runs <paramref name="run"/> and takes its wall time; each of <paramref name="extras"/> reads another figure after each run (GPU time, a part of the wall).</summary>
    public static (Stats Wall, Stats[] Extras) Measure(string name, Action run, int maxRuns, TimeSpan budget, params (string Name, Func<double> Read)[] extras)
    {
        // warm up long enough for the JIT's tier-1 code to be in place (it recompiles hot methods after 30 calls, in the background)
        var warm = Stopwatch.StartNew();
        for (int i = 0; i < 5 || (i < 1000 && warm.Elapsed < TimeSpan.FromSeconds(0.5)); i++)
            run();
        var wall = new List<double>();
        var other = extras.Select(_ => new List<double>()).ToArray();
        var total = Stopwatch.StartNew();
        while (wall.Count < maxRuns && (wall.Count < 5 || total.Elapsed < budget))
        {
            long t0 = Stopwatch.GetTimestamp();
            run();
            wall.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            for (int i = 0; i < extras.Length; i++)
                if (extras[i].Read() is var e && double.IsFinite(e))
                    other[i].Add(e);
        }
        // an extra that never had a value (GPU timestamps unsupported) is left out
        return (Stats.From(name, wall), extras.Select((x, i) => other[i].Count > 0 ? Stats.From(x.Name, other[i]) : null).OfType<Stats>().ToArray());
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
