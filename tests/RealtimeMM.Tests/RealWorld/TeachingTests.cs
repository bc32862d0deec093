using System.Text.Json;
using OpenCvSharp;
using RealtimeMM.Features;
using RealtimeMM.Frames;
using RealtimeMM.Gpu;
using RealtimeMM.Session;
using RealtimeMM.Teaching;
using RealtimeMM.Tests.Cli;

namespace RealtimeMM.Tests.RealWorld;

/// <summary>Teaching through a session and through <c>rtmm teach</c>, and names that outlive the process.</summary>
public class TeachingTests : TestBase
{
    [Test]
    public async Task Session_TeachesFromTheLatestFrame_AnswersAndReloadsTheName()
    {
        string vocabulary = Path.Combine(Temp, "names.vocab");
        var options = new RealtimeSessionOptions { Device = DevicePreference.Cpu, VocabularyPath = vocabulary };
        using var first = Footage.Read(Footage.Teach[0].File);
        using var later = Footage.Read(Footage.Frames[^1].File);
        await using (var session = RealtimeSession.Create(options))
        {
            Assert.That(session.Vocabulary!.Names, Is.Empty);
            Assert.Throws<InvalidOperationException>(() => session.TeachFromLatest("van", new BoxF(652, 44, 73, 56)), "no frame yet");
            Assert.That((await session.AskAbout(first, "is there a van")).Answerer, Is.EqualTo("scene-model"), "nothing taught yet");
            var example = session.TeachFromLatest("van", new BoxF(652, 44, 73, 56));
            Assert.That(example.Source, Does.StartWith("frame "));
            var a = await session.AskAbout(later, "what color is the van");
            Assert.That((a.Text, a.Answerer), Is.EqualTo(("white", "taught-examples")));
        }
        await using (var again = RealtimeSession.Create(options))
        {
            Assert.That(again.Vocabulary!.Names, Is.EqualTo(new[] { "van" }), "reloaded at start");
            var a = await again.AskAbout(later, "where is the van");
            Assert.That((a.Text, a.Answerer), Is.EqualTo(("top right", "taught-examples")));
            again.Rename("van", "delivery van");
            Assert.That((await again.AskAbout(later, "is there a delivery van")).Text, Is.EqualTo("yes"));
            Assert.That(again.Forget("delivery van"), Is.True);
        }
        Assert.That(TaughtVocabulary.Open(vocabulary, new RealtimeMM.Features.ImageFeatureOptions().Name, 256).Names, Is.Empty);
    }

    [Test]
    public async Task Session_WithoutTeaching_SaysHowToTurnItOn()
    {
        await using var session = RealtimeSession.Create(new RealtimeSessionOptions { Device = DevicePreference.Cpu });
        Assert.That(session.Vocabulary, Is.Null);
        var e = Assert.Throws<InvalidOperationException>(() => session.Teach("cup", new byte[30 * 20 * 3], 30, 20, 90, new BoxF(1, 1, 5, 5)));
        Assert.That(e!.Message, Does.Contain("VocabularyPath"));
    }

    [Test]
    public void Rtmm_TeachThenAsk_AnswersFromTheExample()
    {
        string vocabulary = Path.Combine(Temp, "names.vocab");
        string teachImage = Path.Combine(Footage.Folder, Footage.Teach[0].File), askImage = Path.Combine(Footage.Folder, Footage.Frames[5].File);
        var taught = Rtmm.Run("teach", "--vocabulary", vocabulary, "--name", "Van", "--box", "652,44,73,56", "--image", teachImage, "--json", "--device", "Cpu");
        Assert.That(taught.ExitCode, Is.Zero, taught.ToString());
        var t = JsonDocument.Parse(taught.Out).RootElement;
        Assert.That((t.GetProperty("name").GetString(), t.GetProperty("examples").GetInt32(), t.GetProperty("world_class").GetBoolean()), Is.EqualTo(("van", 1, false)));
        Assert.That(t.GetProperty("bar").GetSingle(), Is.GreaterThanOrEqualTo(0.03f).And.LessThan(0.2f), "the van's bar: its best score on photos of other things");
        var asked = Rtmm.Run("ask", "--vocabulary", vocabulary, "--image", askImage, "--query", "what colour is the van", "--json", "--device", "Cpu");
        Assert.That(asked.ExitCode, Is.Zero, asked.ToString());
        var a = JsonDocument.Parse(asked.Out).RootElement;
        Assert.That((a.GetProperty("answer").GetString(), a.GetProperty("answerer").GetString()), Is.EqualTo(("white", "taught-examples")));
        var box = a.GetProperty("boxes")[0].EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
        Assert.That(new BoxF(box[0], box[1], box[2], box[3]).IoU(Footage.Frames[5].Van), Is.GreaterThan(0.3), "its box is on the van");
        var list = Rtmm.Run("teach", "--vocabulary", vocabulary, "--list");
        Assert.That(list.Out, Does.StartWith("van: 1 example(s), 0 negative (vtest-010.jpg 652,44 73x56)").And.Not.Contain("no larger view"));
    }

    [TestCase("--box", "700,500,100,100", "reaches outside the 768x576 frame")]
    [TestCase("--box", "10,10,0,5", "has no area")]
    [TestCase("--box", "10,10,five,5", "expected four numbers")]
    [TestCase("--name", "", "the name is empty")]
    public void Rtmm_Teach_BadInput_OneLineExitOne_NothingWritten(string option, string value, string expected)
    {
        string vocabulary = Path.Combine(Temp, "names.vocab");
        var args = new Dictionary<string, string> { ["--name"] = "van", ["--box"] = "652,44,73,56" };
        args[option] = value;
        var r = Rtmm.Run("teach", "--vocabulary", vocabulary, "--name", args["--name"], "--box", args["--box"], "--image", Path.Combine(Footage.Folder, Footage.Teach[0].File), "--device", "Cpu");
        Assert.That(r.ExitCode, Is.EqualTo(1), r.ToString());
        Assert.That(r.Error.Trim().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(r.Error, Does.StartWith("rtmm: ").And.Contain(expected));
        Assert.That(File.Exists(vocabulary), Is.False);
    }

    [Test]
    public void Rtmm_DamagedVocabulary_SaysWhatItDroppedAndGoesOn()
    {
        string vocabulary = Path.Combine(Temp, "names.vocab");
        string image = Path.Combine(Footage.Folder, Footage.Teach[0].File);
        Assert.That(Rtmm.Run("teach", "--vocabulary", vocabulary, "--name", "van", "--box", "652,44,73,56", "--image", image, "--device", "Cpu").ExitCode, Is.Zero);
        Assert.That(Rtmm.Run("teach", "--vocabulary", vocabulary, "--name", "person", "--box", "315,208,49,89", "--image", image, "--device", "Cpu").ExitCode, Is.Zero);
        var bytes = File.ReadAllBytes(vocabulary);
        File.WriteAllBytes(vocabulary, bytes[..^100]);
        var r = Rtmm.Run("teach", "--vocabulary", vocabulary, "--list");
        Assert.That(r.ExitCode, Is.Zero, r.ToString());
        Assert.That(r.Out, Does.StartWith("van: 1 example(s)"));
        Assert.That(r.Error, Does.Contain("dropped line 3 (an example of 'person'): cut short"));
        File.WriteAllText(vocabulary, "not a vocabulary");
        var bad = Rtmm.Run("teach", "--vocabulary", vocabulary, "--list");
        Assert.That(bad.ExitCode, Is.EqualTo(1));
        Assert.That(bad.Error.Trim(), Is.EqualTo($"rtmm: {vocabulary}: its first line (the header) is damaged: the file is left as it is"));
    }

    [Test]
    public void BenchTaught_Json_TimesBothAnswerersOnTheSameFrames()
    {
        var r = Rtmm.Run("bench", "taught", "--seconds", "1", "--threads", "2", "--density", "Plain,DoubleAcross", "--footage", Footage.Folder, "--json");
        Assert.That(r.ExitCode, Is.Zero, r.ToString());
        var j = JsonDocument.Parse(r.Out).RootElement;
        var taught = j.GetProperty("taught").EnumerateArray().ToList();
        Assert.That(taught.Select(t => t.GetProperty("features").GetString()), Is.EqualTo(new[] { "Plain", "DoubleAcross" }), "a run per density asked for");
        Assert.That(taught.Select(t => t.GetProperty("answerer").GetString()), Is.All.EqualTo("taught-examples"));
        Assert.That(j.GetProperty("scene_model").GetProperty("answerer").GetString(), Is.EqualTo("scene-model"));
        foreach (var run in taught.Append(j.GetProperty("scene_model")))
            Assert.That(run.GetProperty("frames").GetInt32(), Is.Positive, run.ToString());
        Assert.That(j.GetProperty("ratio").EnumerateArray().Select(x => x.GetDouble()), Is.All.Positive);
        var density = Rtmm.Run("bench", "taught", "--seconds", "1", "--density", "Sparse", "--footage", Footage.Folder);
        Assert.That((density.ExitCode, density.Error.Trim()), Is.EqualTo((1, "rtmm: --density 'Sparse' is not one of Plain, DoubleAcross, Double")));
        var missing = Rtmm.Run("bench", "taught", "--seconds", "1", "--footage", Temp);
        Assert.That(missing.ExitCode, Is.EqualTo(1));
        Assert.That(missing.Error, Does.Contain("vtest.json: not found"));
    }
}
