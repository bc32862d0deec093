using RealtimeMM.Cli.Commands;

namespace RealtimeMM.Tests.Cli;

/// <summary>The soak's memory gate: a leak fails it, one step of the collector's heap does not.</summary>
public class MemoryTrendTests
{
    static MemorySample[] Series(Func<double, double> nativeMb, Func<double, double> managedMb) =>
        Enumerable.Range(15, 46).Select(t => new MemorySample(t, (long)((120 + nativeMb(t) + 40) * 1e6), 40_000_000, (long)(managedMb(t) * 1e6), 0, 50)).ToArray();

    [Test]
    public void Of_OneStepOfTheHeap_IsNotGrowth()
    {
        // the 60-s soak that failed the old gate: a +10 MB step at 42 s of a 15..60 s window
        var trend = MemoryTrend.Of(Series(t => t < 42 ? 0 : 10, _ => 20));
        TestContext.Out.WriteLine(trend);
        Assert.That(trend.WorkingSetEndMb - trend.WorkingSetStartMb, Is.EqualTo(10).Within(0.1), "the step is there");
        Assert.That(trend.GrowthPercent, Is.LessThan(1), "and is not a trend");
    }

    [Test]
    public void Of_SteadyLeak_Fails()
    {
        // 12 MB a minute of native memory: 9 MB over the 45-s window, 5.6% of 160 MB
        var native = MemoryTrend.Of(Series(t => 0.2 * t, _ => 20));
        var managed = MemoryTrend.Of(Series(_ => 0, t => 0.2 * t));
        TestContext.Out.WriteLine(native);
        Assert.That(native.NativeMbPerMinute, Is.EqualTo(12).Within(0.2));
        Assert.That(native.GrowthPercent, Is.GreaterThan(MemoryTrend.LimitPercent));
        Assert.That(managed.ManagedMbPerMinute, Is.EqualTo(12).Within(0.2));
        Assert.That(managed.GrowthPercent, Is.GreaterThan(MemoryTrend.LimitPercent));
    }
}
