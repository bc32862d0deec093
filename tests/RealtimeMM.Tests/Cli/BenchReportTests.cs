using System.Text.Json;

namespace RealtimeMM.Tests.Cli;

public class BenchReportTests : TestBase
{
    [Test]
    public void BenchReport_WritesJsonAndPngPlots()
    {
        string dir = Path.Combine(Temp, "report");
        var r = Rtmm.Run("bench", "report", "--out", dir, "--seconds", "0.1", "--frames", "8");
        Assert.That(r.ExitCode, Is.Zero, r.ToString());
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "report.json")));
        var root = report.RootElement;
        Assert.That(root.GetProperty("machine").GetString(), Does.Contain("cores"));
        Assert.That(root.GetProperty("end_to_end").GetArrayLength(), Is.EqualTo(3));
        Assert.That(root.GetProperty("stage_median_ms").GetProperty("vision").GetDouble(), Is.GreaterThan(0));
        foreach (var png in root.GetProperty("plots").EnumerateArray().Select(p => p.GetString()!))
        {
            var bytes = File.ReadAllBytes(Path.Combine(dir, png));
            Assert.That(bytes.Take(8), Is.EqualTo(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }), png);
            Assert.That(bytes.Length, Is.GreaterThan(10_000), $"{png} has a plot in it");
        }
        Assert.That(Directory.GetFiles(dir, "*.partial"), Is.Empty);
    }
}
