using RealtimeMM.Answering;
using RealtimeMM.Clip;
using RealtimeMM.Gpu;
using RealtimeMM.Preprocess;
using RealtimeMM.Scenes;

namespace RealtimeMM.Tests.Clip;

/// <summary>Answering by name through a CLIP bundle: the small scene-trained fixture on generated scenes it never saw.</summary>
public class ClipAnswererTests : TestBase
{
    static string Folder => Path.Combine(Tools.RepositoryRoot(), "models", "clip-scenes-small");

    [Test]
    public void GeneratedScenes_AnsweredByName_ThroughTheClipPath()
    {
        using var qa = QuestionAnswerer.Open(device: DevicePreference.Cpu);
        using var clip = new ClipAnswerer(ClipBundle.Load(Folder, DevicePreference.Cpu, fit: FitMode.Stretch), qa.Bundle.Manifest.World);
        qa.AddAnswerer(clip);
        var options = new SceneOptions { Width = 96, Height = 96 };
        var right = new Dictionary<string, (int Right, int Asked)>();
        int fromClip = 0, asked = 0;
        for (int i = 0; i < 150; i++)
        {
            var scene = SceneGenerator.Render(77, i, options); // seed 77: not the fixture's training scenes (9100)
            using var encoding = qa.Encode(new RealtimeMM.Frames.ImageView(scene.Bgr, 96, 96, 96 * 3));
            var questions = scene.Questions.Where(q => q.Kind is "color" or "count" or "exist" or "position" or "identify").ToList();
            var answers = qa.AskMany(encoding, questions.Select(q => q.Question).ToList());
            for (int k = 0; k < questions.Count; k++)
            {
                string kind = questions[k].Kind, truth = AnswerVocabulary.Label(questions[k].Answer);
                if (i < 1)
                    TestContext.Out.WriteLine($"  scene {i}: {questions[k].Question} -> {answers[k].Text} ({answers[k].Answerer}, {answers[k].Confidence:F2}); truth {truth}");
                var (r, n) = right.GetValueOrDefault(kind);
                right[kind] = (r + (answers[k].Text == truth ? 1 : 0), n + 1);
                asked++;
                fromClip += answers[k].Answerer == "clip" ? 1 : 0;
                Assert.That(answers[k].Attention, Is.Not.Null);
            }
        }
        foreach (var (kind, (r, n)) in right.OrderBy(p => p.Key))
            TestContext.Out.WriteLine($"{kind}: {r}/{n} ({100.0 * r / n:F1}%)");
        TestContext.Out.WriteLine($"{fromClip}/{asked} answered by the clip answerer");
        // the questions that name a class go to the clip answerer; "how many red objects" stays the scene model's
        Assert.That(fromClip, Is.GreaterThan(asked * 9 / 10));
        // The fixture is weak (6x6 patches on 96x96 scenes; docs/clip-bundles.md): no kind reaches the scene model's accuracy.
        // What shows the path works end to end: naming the object of a color beats chance (1 in 10 classes) by twice.
        var (idRight, idAsked) = right["identify"];
        Assert.That((double)idRight / idAsked, Is.GreaterThanOrEqualTo(0.17));
    }

    [Test]
    public void RtmmAsk_WithClip_SaysTheClipAnswererAnswered()
    {
        var scene = Path.Combine(Temp, "scene");
        Assert.That(RealtimeMM.Tests.Cli.Rtmm.Run("scene", "--seed", "77", "--count", "1", "--size", "96x96", "--out", scene).ExitCode, Is.Zero);
        var r = RealtimeMM.Tests.Cli.Rtmm.Run("ask", "--image", Path.Combine(scene, "frames", "000000.png"), "--query", "how many houses are there", "--clip", Folder, "--json", "--device", "Cpu");
        Assert.That(r.ExitCode, Is.Zero, r.ToString());
        var j = System.Text.Json.JsonDocument.Parse(r.Out).RootElement;
        Assert.That(j.GetProperty("answerer").GetString(), Is.EqualTo("clip"));
        Assert.That(j.GetProperty("attention").GetProperty("grid").EnumerateArray().Select(e => e.GetInt32()), Is.EqualTo(new[] { 6, 6 }));
        Assert.That(j.GetProperty("timings_ms").TryGetProperty("clip", out _), Is.True);
        var bad = RealtimeMM.Tests.Cli.Rtmm.Run("ask", "--image", Path.Combine(scene, "frames", "000000.png"), "--query", "is there a house", "--clip", Temp);
        Assert.That(bad.ExitCode, Is.EqualTo(1));
        Assert.That(bad.Error.Trim(), Is.EqualTo($"rtmm: {Path.Combine(Temp, "config.json")}: not found"));
    }
}
