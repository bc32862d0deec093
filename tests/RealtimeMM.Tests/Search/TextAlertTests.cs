using System.Text.Json;
using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;
using RealtimeMM.Search;
using RealtimeMM.Tests.Cli;

namespace RealtimeMM.Tests.Search;

public class TextAlertTests : TestBase
{
    /// <summary>Short counts, so the scripted sequences stay readable.</summary>
    static readonly AlertOptions Quick = new() { OnThreshold = 0.6f, OffThreshold = 0.4f, OnFrames = 3, OffFrames = 6 };

    static List<(int Frame, bool Raised)> Feed(TextAlert alert, IEnumerable<float> scores)
    {
        var events = new List<(int, bool)>();
        int f = 0;
        foreach (var s in scores)
        {
            if (alert.Update(s) is { } raised)
                events.Add((f, raised));
            f++;
        }
        return events;
    }

    [Test]
    public void Update_FlickeringAppearance_OneRaiseOneClear()
    {
        // absent, then present with the score dipping around the thresholds, then gone
        var scores = Enumerable.Repeat(0.05f, 10)
            .Concat([0.7f, 0.8f, 0.55f, 0.9f, 0.9f, 0.9f, 0.3f, 0.5f, 0.95f, 0.35f, 0.2f, 0.9f, 0.9f, 0.9f])
            .Concat(Enumerable.Repeat(0.1f, 10));
        var events = Feed(new TextAlert("a dog", Quick), scores);
        Assert.That(events, Is.EqualTo(new[] { (15, true), (29, false) }));
    }

    [Test]
    public void Update_ShortBlip_NoAlert()
    {
        var events = Feed(new TextAlert("a dog", Quick), [0.1f, 0.9f, 0.9f, 0.1f, 0.9f, 0.1f]);
        Assert.That(events, Is.Empty);
    }

    [Test]
    public void Options_Inconsistent_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TextAlert("x", new AlertOptions { OnThreshold = 0.3f, OffThreshold = 0.5f }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TextAlert("x", new AlertOptions { OnFrames = 0 }));
    }

    [Test]
    public void Add_WordsTheModelDoesNotKnow_ThrowsNamingThem()
    {
        using var answerer = QuestionAnswerer.Open(device: RealtimeMM.Gpu.DevicePreference.Cpu);
        var alerts = new TextAlerts(answerer);
        var e = Assert.Throws<ArgumentException>(() => alerts.Add("a purple giraffe"));
        Assert.That(e!.Message, Does.Contain("'giraffe'"));
        Assert.Throws<ArgumentException>(() => alerts.Add("  "));
        Assert.That(alerts.Add("a dog").Text, Is.EqualTo("a dog"));
    }

    [Test]
    public void AlertsCommand_OnAClipThatShowsADog_RaisesIt()
    {
        // a clip whose first frame has a dog in it, held still: the alert must be raised within its raising time
        var scene = Enumerable.Range(0, 400).Select(i => RealtimeMM.Scenes.SceneGenerator.Render(9, i)).First(s => s.Objects.Any(o => o.Class == "dog"));
        string folder;
        using (var writer = RealtimeMM.Replay.ClipWriter.Create(Path.Combine(Temp, "clip"), RealtimeMM.Replay.ClipFormat.Ffv1, 30, "dog"))
        {
            for (int i = 0; i < 20; i++)
            {
                using var frame = scene.ToFrame(i, TimeSpan.FromSeconds(i / 30.0));
                writer.Append(frame, null);
            }
            folder = writer.Complete();
        }
        var r = Rtmm.Run("alerts", folder, "--text", "a dog", "--json", "--device", "Cpu");
        Assert.That(r.ExitCode, Is.Zero, r.ToString());
        var first = JsonDocument.Parse(r.Out.Split('\n')[0]).RootElement;
        Assert.That(first.GetProperty("alert").GetString(), Is.EqualTo("a dog"));
        Assert.That(first.GetProperty("state").GetString(), Is.EqualTo("raised"));
        Assert.That(first.GetProperty("frame").GetInt32(), Is.EqualTo(new AlertOptions().OnFrames - 1));
    }

    [Test]
    public void AlertsEval_ReportsPrecisionAndRecall()
    {
        var r = Rtmm.Run("alerts", "--eval", "1", "--frames", "60", "--json", "--device", "Cpu");
        Assert.That(r.ExitCode, Is.Zero, r.ToString());
        var j = JsonDocument.Parse(r.Out).RootElement;
        TestContext.Out.WriteLine(r.Out);
        // one clip (seed 2000), two appearances: both raised, no false alert when written (CPU: deterministic)
        Assert.That(j.GetProperty("appearances").GetInt32(), Is.EqualTo(2));
        Assert.That(j.GetProperty("recall").GetDouble(), Is.EqualTo(100));
        Assert.That(j.GetProperty("precision").GetDouble(), Is.EqualTo(100));
    }
}
