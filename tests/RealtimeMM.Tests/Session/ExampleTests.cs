using RealtimeMM.Tests.Cli;

namespace RealtimeMM.Tests.Session;

/// <summary>The examples, built with the solution, run for real.</summary>
public class ExampleTests : TestBase
{
    static string Example(string name) => Path.Combine(AppContext.BaseDirectory, name);

    [Test]
    public void MinimalAsk_AnswersAboutAnImage()
    {
        Assert.That(Rtmm.Run("scene", "--seed", "4", "--count", "1", "--out", Path.Combine(Temp, "s")).ExitCode, Is.Zero);
        var output = Tools.Run(Example("MinimalAsk"), $"{Path.Combine(Temp, "s", "frames", "000000.png")} \"how many cars are there\"");
        TestContext.Out.WriteLine(output);
        string truth = RealtimeMM.Tests.Scenes.SceneTruth.Of(RealtimeMM.Scenes.SceneGenerator.Render(4, 0), "how many cars are there")!;
        Assert.That(output, Does.Match($@"^how many cars are there\? {truth} \(\d+ ?%\)"), "the scene's ground truth");
    }

    [Test]
    public void GameLoop_TickNeverWaitsForTheModel_AnswersKeepArriving()
    {
        var output = Tools.Run(Example("GameLoop"), "3 \"is there a car\"");
        TestContext.Out.WriteLine(output);
        var tick = System.Text.RegularExpressions.Regex.Match(output, @"(\d+) ticks .* p99 ([\d.]+) ms");
        var answers = System.Text.RegularExpressions.Regex.Match(output, @"; (\d+) answers");
        Assert.That(tick.Success && answers.Success, Is.True, output);
        Assert.That(int.Parse(tick.Groups[1].Value), Is.GreaterThan(150), "a 60 Hz loop for 3 s");
        Assert.That(int.Parse(answers.Groups[1].Value), Is.GreaterThan(20), "answers arrive while the loop runs");
        // that the tick never waits for the model is RealtimeSessionTests.SubmitFrame_NeverWaitsForTheModel
        // (the worker held, submits still return); the tick's p99 is a benchmark's figure (rtmm bench gameloop)
    }

    [Test]
    [Category("Window")]
    public void CameraOverlay_OnAClip_ShowsAnswers()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DISPLAY")))
            Assert.Inconclusive("no DISPLAY: run through tools/test, which starts Xvfb");
        var (clip, _) = Clips.Write(Path.Combine(Temp, "clip"), frames: 90);
        var output = Tools.Run(Example("CameraOverlay"), $"\"{clip}\" \"how many cars are there\" --frames 60");
        TestContext.Out.WriteLine(output);
        var m = System.Text.RegularExpressions.Regex.Match(output, @"(\d+) frames from .*: (\d+) processed.*last: how many cars are there\? \d");
        Assert.That(m.Success, Is.True, output);
        Assert.That(int.Parse(m.Groups[1].Value), Is.EqualTo(60));
        Assert.That(int.Parse(m.Groups[2].Value), Is.GreaterThan(10));
    }
}
