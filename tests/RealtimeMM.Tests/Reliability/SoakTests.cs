using System.Text.Json;
using RealtimeMM.Tests.Cli;

namespace RealtimeMM.Tests.Reliability;

/// <summary>
/// <c>rtmm soak</c> in its own process: two replay streams at real-time pace, four askers each.
/// 60 s here (RTMM_SOAK_SECONDS for the long mode, e.g. 1800).
/// </summary>
[Category("Soak")]
public class SoakTests : TestBase
{
    [Test]
    public void Soak_StreamsAndAskers_NoGrowthNoUnansweredQuestion()
    {
        int seconds = int.TryParse(Environment.GetEnvironmentVariable("RTMM_SOAK_SECONDS"), out int s) ? s : 60;
        string clip = Path.Combine(Temp, "clip");
        var made = Rtmm.Run("scene", "--clip", "--frames", "90", "--out", clip);
        Assert.That(made.ExitCode, Is.Zero, made.ToString());
        using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "rtmm"),
            $"soak \"{clip}\" --seconds {seconds} --warmup {Math.Min(15, seconds / 4)} --device Cpu --json") { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stderr = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        Assert.That(p.WaitForExit((seconds + 120) * 1000), Is.True, "the soak did not end");
        TestContext.Out.WriteLine(output);
        Assert.That(p.ExitCode, Is.Zero.Or.EqualTo(2), stderr.Result); // 2: it ran and reported a failure, checked below
        using var report = JsonDocument.Parse(output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last());
        var r = report.RootElement;
        Assert.That(r.GetProperty("pass").GetBoolean(), Is.True, output);
        Assert.That(r.GetProperty("questions").GetProperty("answered").GetInt64(), Is.EqualTo(r.GetProperty("questions").GetProperty("asked").GetInt64()));
        Assert.That(r.GetProperty("frames").GetProperty("processed").GetInt64(), Is.GreaterThan(seconds * 10));
    }
}
