using System.Text.Json;

namespace RealtimeMM.Tests.Cli;

[Category("Vulkan")]
public class BenchCommandTests : TestBase
{
    [Test]
    public void BenchPreprocess_Json_EveryPathTimedAndAccurate()
    {
        // A smoke run: checks the report's shape and the accuracy it reports, never the timings.
        var r = Rtmm.Run("bench", "preprocess", "--runs", "5", "--seconds", "0.05", "--json");
        Assert.That(r.ExitCode, Is.Zero, r.ToString());
        var root = JsonDocument.Parse(r.Out).RootElement;
        Assert.That(root.GetProperty("vulkan").GetString(), Does.Contain("llvmpipe"));
        var sizes = root.GetProperty("sizes").EnumerateArray().ToArray();
        Assert.That(sizes.Select(s => s.GetProperty("input").GetString()), Is.EqualTo(new[] { "640x480", "1920x1080" }));
        foreach (var s in sizes)
        {
            var names = s.GetProperty("paths").EnumerateArray().Select(p => p.GetProperty("name").GetString()!).ToArray();
            Assert.That(names, Has.Some.StartsWith("Vulkan upload+dispatch+readback").And.Some.EqualTo("Vulkan kernel (GPU timestamps)")
                .And.Some.EqualTo("fast CPU path").And.Some.EqualTo("C# reference").And.Some.EqualTo("OpenCV blobFromImage + std")
                .And.Some.EqualTo("Vulkan kernel (GPU timestamps, frame imported, no copy)"), "the frame in device memory, in host memory, imported");
            var diff = s.GetProperty("max_abs_diff");
            Assert.That(diff.GetProperty("vulkan").GetDouble(), Is.LessThanOrEqualTo(1e-4));
            Assert.That(diff.GetProperty("cpu").GetDouble(), Is.LessThanOrEqualTo(1e-4));
            Assert.That(diff.GetProperty("opencv").GetDouble(), Is.LessThan(0.05), "OpenCV's fixed-point resize lands near the reference");
        }
    }
}

/// <summary>Vulkan really missing: the loader is pointed at a driver list that does not exist, in a child process.</summary>
public class NoVulkanTests : TestBase
{
    static (int Code, string Out, string Err) RunWithoutVulkan(string args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "rtmm"), args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment["VK_DRIVER_FILES"] = "/nonexistent/icd.json";
        psi.Environment["VK_ICD_FILENAMES"] = "/nonexistent/icd.json";
        using var p = System.Diagnostics.Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        Assert.That(p.WaitForExit(120_000), Is.True);
        return (p.ExitCode, o.Result, e.Result);
    }

    [Test]
    public void Info_NoVulkanDriver_SaysWhatToInstall()
    {
        var (code, stdout, _) = RunWithoutVulkan("info");
        Assert.That(code, Is.Zero);
        Assert.That(stdout, Does.Contain("Vulkan devices:\n  none:").And.Contain("mesa-vulkan-drivers"));
    }

    [Test]
    public void BenchPreprocess_NoVulkanDriver_FallsBackWithOneWarning()
    {
        var (code, stdout, stderr) = RunWithoutVulkan("bench preprocess --runs 3 --seconds 0.01 --json");
        Assert.That(code, Is.Zero, stderr);
        var warnings = stderr.Split('\n').Where(l => l.StartsWith("warning:", StringComparison.Ordinal)).ToArray();
        Assert.That(warnings, Has.Length.EqualTo(1));
        Assert.That(warnings[0], Does.Contain("Vulkan unavailable").And.Contain("mesa-vulkan-drivers"));
        var root = JsonDocument.Parse(stdout).RootElement;
        var names = root.GetProperty("sizes")[0].GetProperty("paths").EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToArray();
        Assert.That(names, Is.EqualTo(new[] { "fast CPU path", "C# reference", "OpenCV blobFromImage + std" }));
    }

    [Test]
    public void BenchSearch_Json_ThreePathsAndTheSameHits()
    {
        var r = Rtmm.Run("bench", "search", "--rows", "20000", "--seconds", "0.2", "--runs", "5", "--json");
        Assert.That(r.ExitCode, Is.Zero, r.ToString());
        var j = System.Text.Json.JsonDocument.Parse(r.Out).RootElement;
        TestContext.Out.WriteLine(r.Out);
        Assert.That(j.GetProperty("rows").GetInt32(), Is.EqualTo(20000));
        Assert.That(j.GetProperty("paths").GetArrayLength(), Is.EqualTo(3));
        Assert.That(j.GetProperty("top10_agreement_with_plain_loop").GetDouble(), Is.EqualTo(1.0));
    }

    [Test]
    public void BenchGameLoop_Json_TicksAndAnswers()
    {
        var r = Rtmm.Run("bench", "gameloop", "--seconds", "2", "--json");
        Assert.That(r.ExitCode, Is.Zero, r.ToString());
        var j = System.Text.Json.JsonDocument.Parse(r.Out).RootElement;
        TestContext.Out.WriteLine(r.Out);
        Assert.That(j.GetProperty("ticks").GetInt32(), Is.InRange(100, 125));
        Assert.That(j.GetProperty("answers").GetInt64(), Is.GreaterThan(0));
        var t = j.GetProperty("tick_ms");
        Assert.That(t.GetProperty("p50").GetDouble(), Is.LessThanOrEqualTo(t.GetProperty("p99").GetDouble()));
        Assert.That(t.GetProperty("p99").GetDouble(), Is.LessThanOrEqualTo(t.GetProperty("max").GetDouble()));
    }

    [Test]
    public void BenchSpeech_Json_EveryStageOfEveryQuestion()
    {
        var r = Rtmm.Run("bench", "speech", "--scenes", "1", "--json");
        Assert.That(r.ExitCode, Is.Zero, r.ToString());
        TestContext.Out.WriteLine(r.Out);
        var j = System.Text.Json.JsonDocument.Parse(r.Out).RootElement;
        int questions = j.GetProperty("questions").GetInt32();
        Assert.That(questions, Is.InRange(10, 20), "one scene's questions, two voices");
        var stages = j.GetProperty("stages").EnumerateArray().ToList();
        Assert.That(stages.Select(s => s.GetProperty("name").GetString()), Is.EqualTo(new[] { "decode (PocketSphinx)", "scene-aware choice", "answer (text encoder + fusion)", "end of speech to answer" }));
        Assert.That(stages.Select(s => s.GetProperty("runs").GetInt32()), Is.All.EqualTo(questions));
        // the whole is the sum of its parts, question by question, so its median is at least the decode's
        Assert.That(stages[3].GetProperty("median_ms").GetDouble(), Is.GreaterThanOrEqualTo(stages[0].GetProperty("median_ms").GetDouble()));
        Assert.That(Rtmm.Run("bench", "speech", "--scenes", "0").ExitCode, Is.Not.Zero);
    }
}
