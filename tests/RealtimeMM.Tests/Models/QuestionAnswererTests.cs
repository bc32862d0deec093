using RealtimeMM.Frames;
using RealtimeMM.Gpu;
using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;
using RealtimeMM.Scenes;

namespace RealtimeMM.Tests.Models;

public class QuestionAnswererTests : TestBase
{
    static QuestionAnswerer? answerer;
    static SceneFrame scene = null!;

    [OneTimeSetUp]
    public void Open()
    {
        answerer = QuestionAnswerer.Open(device: DevicePreference.Cpu);
        scene = SceneGenerator.Render(2, 0);
    }

    [OneTimeTearDown]
    public void Close() => answerer?.Dispose();

    static Answer Ask(string q) => answerer!.Ask(new ImageView(scene.Bgr, scene.Width, scene.Height, scene.Width * 3), q);

    [TestCase("", "the question is empty")]
    [TestCase("   ", "the question is empty")]
    [TestCase("что это", "no words the model reads")]
    [TestCase("what color is the unicorn", "unknown word 'unicorn'")]
    [TestCase("what colour is the zebra near the spaceship", "unknown words 'zebra', 'near', 'spaceship'")]
    public void Ask_QuestionOutsideTheWorld_LowConfidenceCantAnswer(string question, string reason)
    {
        var a = Ask(question);
        TestContext.Out.WriteLine($"{question} -> {a.Text} ({a.Confidence:F3})");
        Assert.That(a.Answered, Is.False);
        Assert.That(a.Reason, Does.Contain(reason));
        Assert.That(a.Text, Does.StartWith("I can't answer that about this scene"));
        Assert.That(a.Confidence, Is.LessThanOrEqualTo(0.1f));
    }

    [Test]
    public void Ask_TenThousandCharacters_CantAnswerWithoutCrash()
    {
        var a = Ask(string.Concat(Enumerable.Repeat("what color is the car ", 455)));
        Assert.That(a.Answered, Is.False);
        Assert.That(a.Reason, Does.Contain("words; the model reads at most"));
    }

    [Test]
    public void Ask_InWorldQuestion_AnswerFromTheVocabularyWithAttention()
    {
        var truth = scene.Questions.First(q => q.Kind == "color");
        var a = Ask(truth.Question);
        TestContext.Out.WriteLine($"{truth.Question}: {a.Text} {a.Kind} {a.Confidence:F3} peak ({a.Attention?.PeakX}, {a.Attention?.PeakY}) {string.Join(", ", a.TimingsMs.Select(t => $"{t.Key} {t.Value} ms"))}");
        Assert.That(a.Kind, Is.EqualTo("color"));
        Assert.That(a.ModelAnswer, Is.EqualTo(AnswerVocabulary.Label(truth.Answer)), "the scene's ground truth");
        Assert.That(a.Attention!.Values.Sum(), Is.InRange(0f, 1.0001f));
        Assert.That(a.Attention.PeakX, Is.InRange(0, scene.Width));
        Assert.That(a.Attention.PeakY, Is.InRange(0, scene.Height));
        Assert.That(a.TimingsMs.Keys, Is.SupersetOf(new[] { "preprocess", "vision", "text", "fusion" }));
    }

    [Test]
    public void Encode_DisposedEachFrame_ReusesItsBuffersWithTheSameAnswers()
    {
        // a separate answerer: its spare buffers are this test's alone
        using var own = QuestionAnswerer.Open(device: DevicePreference.Cpu);
        var scenes = SceneGenerator.RenderClip(31, 24, 30, Clips.Small).ToList();
        static ImageView View(SceneFrame s) => new(s.Bgr, s.Width, s.Height, s.Width * 3);
        string[] questions = ["what color is the car", "how many objects are there"];
        // kept alive: every frame's encoding has buffers of its own
        var kept = scenes.Select(s => own.Encode(View(s))).ToList();
        var expected = kept.Select(e => own.AskMany(e, questions)).ToList();
        kept.ForEach(e => e.Dispose());

        long allocated = 0;
        for (int i = 0; i < scenes.Count; i++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            using var encoded = own.Encode(View(scenes[i]));
            var got = own.AskMany(encoded, questions);
            if (i >= 4)
                allocated += GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.That(got.Select(a => (a.ModelAnswer, a.Confidence, a.Attention!.PeakX, a.Attention.PeakY)),
                Is.EqualTo(expected[i].Select(a => (a.ModelAnswer, a.Confidence, a.Attention!.PeakX, a.Attention.PeakY))), $"frame {i}");
        }
        double perFrame = allocated / 1024.0 / (scenes.Count - 4);
        int imageKb = own.Bundle.Manifest.ImageTokens * own.Bundle.Manifest.ModelDim * 4 / 1024;
        TestContext.Out.WriteLine($"{perFrame:F1} KB allocated per frame with each encoding disposed (one copy of the image tokens is {imageKb} KB; without reuse a frame allocated three)");
        Assert.That(perFrame, Is.LessThan(imageKb), "a frame whose encoding is disposed must not allocate its image buffers again");
    }

    [Test]
    public void AskMany_DisposedEncoding_ThrowsNamingWhatToDo()
    {
        var encoded = answerer!.Encode(new ImageView(scene.Bgr, scene.Width, scene.Height, scene.Width * 3));
        encoded.Dispose();
        encoded.Dispose(); // twice is fine
        Assert.That(encoded.IsDisposed, Is.True);
        Assert.That(encoded.Embedding, Has.Length.GreaterThan(0), "the embedding stays readable");
        var e = Assert.Throws<ObjectDisposedException>(() => answerer.Ask(encoded, "what color is the car"))!;
        Assert.That(e.Message, Does.Contain("encode the frame again"));
        Assert.Throws<ObjectDisposedException>(() => answerer.Describe(encoded));
    }

    [TestCase("what's the color of the bus", "color")]
    [TestCase("how many dogs do you see", "count")]
    [TestCase("is there an orange ball", "exist")]
    [TestCase("where's the red box", "position")]
    [TestCase("what is the purple object", "identify")]
    public void KindOf_Paraphrases(string question, string kind) => Assert.That(QuestionAnswerer.KindOf(question), Is.EqualTo(kind));
}
