using System.Text.Json;
using RealtimeMM.Replay;

namespace RealtimeMM.Tests.Cli;

public class RtmmCliTests : TestBase
{
    [Test]
    public void Scene_SameSeedTwice_ByteIdenticalOutput()
    {
        string a = Path.Combine(Temp, "a"), b = Path.Combine(Temp, "b");
        Assert.That(Rtmm.Run("scene", "--seed", "7", "--out", a).ExitCode, Is.Zero);
        Assert.That(Rtmm.Run("scene", "--seed", "7", "--out", b).ExitCode, Is.Zero);
        Assert.That(Listing(a), Is.EqualTo(Listing(b)));
        foreach (var f in Listing(a).Where(f => File.Exists(Path.Combine(a, f))))
            Assert.That(File.ReadAllBytes(Path.Combine(a, f)), Is.EqualTo(File.ReadAllBytes(Path.Combine(b, f))), f);
        Assert.That(Listing(a), Is.EqualTo(new[] { "clip.json", "frames", Path.Combine("frames", "000000.png") }));
    }

    [Test]
    public void SceneClip_SameSeedTwice_ByteIdenticalVideoAndSidecar()
    {
        string a = Path.Combine(Temp, "a"), b = Path.Combine(Temp, "b");
        var r = Rtmm.Run("scene", "--seed", "7", "--clip", "--frames", "20", "--size", "160x120", "--out", a, "--json");
        Assert.That(r.ExitCode, Is.Zero, r.ToString());
        Assert.That(JsonDocument.Parse(r.Out).RootElement.GetProperty("frames").GetInt32(), Is.EqualTo(20));
        Rtmm.Run("scene", "--seed", "7", "--clip", "--frames", "20", "--size", "160x120", "--out", b);
        Assert.That(File.ReadAllBytes(Path.Combine(a, "frames.avi")), Is.EqualTo(File.ReadAllBytes(Path.Combine(b, "frames.avi"))));
        Assert.That(File.ReadAllBytes(Path.Combine(a, "clip.json")), Is.EqualTo(File.ReadAllBytes(Path.Combine(b, "clip.json"))));
    }

    [Test, Category("Vulkan")]
    public void Info_ThisMachine_ListsLavapipeAndCpuProvider()
    {
        var r = Rtmm.Run("info");
        TestContext.Out.WriteLine(r.Out);
        Assert.That(r.ExitCode, Is.Zero, r.ToString());
        Assert.That(r.Out, Does.Contain("llvmpipe").And.Contain("CPUExecutionProvider").And.Contain("Cameras:"));
        var json = JsonDocument.Parse(Rtmm.Run("info", "--json").Out).RootElement;
        Assert.That(json.GetProperty("vulkan").GetProperty("devices")[0].GetProperty("type").GetString(), Is.EqualTo("cpu"));
    }

    [Test]
    public void Record_ReplayClip_GroundTruthTravels()
    {
        var (clip, _) = Clips.Write(Path.Combine(Temp, "clip"), frames: 15);
        var copy = Path.Combine(Temp, "copy");
        var r = Rtmm.Run("record", clip, "--out", copy, "--frames", "10", "--format", "Png");
        Assert.That(r.ExitCode, Is.Zero, r.ToString());
        Assert.That(r.Out, Does.Contain("recorded 10 frames"));
        var original = ReplayClip.LoadSidecar(Path.Combine(clip, "clip.json"));
        var recorded = ReplayClip.LoadSidecar(Path.Combine(copy, "clip.json"));
        Assert.That(recorded.FrameCount, Is.EqualTo(10));
        for (int i = 0; i < 10; i++)
        {
            Assert.That(recorded.Frames[i].TimestampMs, Is.EqualTo(original.Frames[i].TimestampMs));
            Assert.That(JsonSerializer.Serialize(recorded.Frames[i].Objects), Is.EqualTo(JsonSerializer.Serialize(original.Frames[i].Objects)));
            Assert.That(JsonSerializer.Serialize(recorded.Frames[i].Questions), Is.EqualTo(JsonSerializer.Serialize(original.Frames[i].Questions)));
        }
        var replay = Rtmm.Run("replay", copy, "--json");
        var lines = replay.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(10));
        Assert.That(JsonDocument.Parse(lines[9]).RootElement.GetProperty("frame").GetInt32(), Is.EqualTo(9));
    }

    [Test]
    public void Record_SourceFailsMidway_ExitsNonZeroAndLeavesNothing()
    {
        var (clip, _) = Clips.Write(Path.Combine(Temp, "clip"), frames: 30);
        var video = Path.Combine(clip, "frames.avi");
        var bytes = File.ReadAllBytes(video);
        File.WriteAllBytes(video, bytes[..(bytes.Length / 2)]);
        var outDir = Path.Combine(Temp, "out");
        var r = Rtmm.Run("record", clip, "--out", outDir);
        Assert.That(r.ExitCode, Is.EqualTo(1), r.ToString());
        Assert.That(r.ErrorLines.Last(), Does.StartWith("rtmm: ").And.Contain("truncated"));
        Assert.That(Listing(Temp).Where(p => !p.StartsWith("clip", StringComparison.Ordinal)), Is.Empty, "nothing half-written may remain");
    }

    [Test]
    public void Replay_Clip_SummarisesFramesAndTruth()
    {
        var (clip, scenes) = Clips.Write(Path.Combine(Temp, "clip"), frames: 12);
        var r = Rtmm.Run("replay", clip);
        Assert.That(r.ExitCode, Is.Zero, r.ToString());
        int objects = scenes.Sum(s => s.Objects.Length), questions = scenes.Sum(s => s.Questions.Length);
        Assert.That(r.Out, Does.Contain("replayed 12 frames (160x120").And.Contain($"ground truth: {objects} objects, {questions} questions"));
    }

    static IEnumerable<TestCaseData> BadInputs()
    {
        yield return new TestCaseData((Func<string, string[]>)(t => ["replay", Path.Combine(t, "missing.mp4")]), "missing.mp4: file not found").SetName("Replay_MissingFile_OneLineError");
        yield return new TestCaseData((Func<string, string[]>)(t => ["replay", Empty(t)]), "folder has no images").SetName("Replay_EmptyFolder_OneLineError");
        yield return new TestCaseData((Func<string, string[]>)(t => ["replay", Junk(t)]), "cannot be opened as a video").SetName("Replay_CorruptVideo_OneLineError");
        yield return new TestCaseData((Func<string, string[]>)(t => ["record", "5", "--out", Path.Combine(t, "o")]), "5: no such camera").SetName("Record_MissingCamera_OneLineError");
        yield return new TestCaseData((Func<string, string[]>)(t => ["record", $"http://127.0.0.1:{Tools.FreePort()}/x.ts", "--out", Path.Combine(t, "o")]), "Connection refused").SetName("Record_UnreachableUrl_OneLineError");
        yield return new TestCaseData((Func<string, string[]>)(t => ["replay", Mismatched(t)]), "frame_count: sidecar says 11 frames, frames.avi has 12").SetName("Replay_SidecarDoesNotMatchClip_OneLineError");
        yield return new TestCaseData((Func<string, string[]>)(t => ["scene", "--out", Existing(t)]), "already exists").SetName("Scene_OutputExists_OneLineError");
        yield return new TestCaseData((Func<string, string[]>)(t => ["scene", "--world", BadWorld(t), "--out", Path.Combine(t, "o")]), "classes: 'dog' is listed twice").SetName("Scene_WorldListsAClassTwice_OneLineError");

        static string Empty(string t) => Directory.CreateDirectory(Path.Combine(t, "empty")).FullName;
        static string Junk(string t)
        {
            var p = Path.Combine(t, "junk.avi");
            File.WriteAllText(p, new string('x', 5000));
            return p;
        }
        static string BadWorld(string t)
        {
            var p = Path.Combine(t, "bad-world.json");
            File.WriteAllText(p, """{"classes": [{"name": "dog"}, {"name": "dog"}], "colors": ["red"], "max_count": 4, "question_kinds": {"count": ["how many {0} are there"]}}""");
            return p;
        }
        static string Existing(string t) => Directory.CreateDirectory(Path.Combine(t, "exists")).FullName;
        static string Mismatched(string t)
        {
            var (clip, _) = Clips.Write(Path.Combine(t, "clip"), frames: 12);
            var path = Path.Combine(clip, "clip.json");
            var s = ReplayClip.LoadSidecar(path);
            var edited = s with { FrameCount = 11, Frames = s.Frames[..11] };
            File.Delete(path);
            ReplayClip.WriteSidecar(edited, path);
            return clip;
        }
    }

    [TestCaseSource(nameof(BadInputs))]
    public void BadInput_ExitsOneWithOneLineNamingTheProblem(Func<string, string[]> args, string problem)
    {
        var r = Rtmm.Run(args(Temp));
        TestContext.Out.WriteLine(r.Error);
        Assert.That(r.ExitCode, Is.EqualTo(1), r.ToString());
        Assert.That(r.ErrorLines, Has.Length.EqualTo(1), "one line, no stack trace");
        Assert.That(r.ErrorLines[0], Does.StartWith("rtmm: ").And.Contain(problem));
        Assert.That(Directory.Exists(Path.Combine(Temp, "o")), Is.False);
    }

    [Test]
    public void InternalFault_SaysInternalError_SavesTheStackTrace_ExitsSeventy()
    {
        // a bug of ours (here: an InvalidOperationException from a command body) is not a user error
        var o = new StringWriter();
        var e = new StringWriter();
        var terminal = new RealtimeMM.Cli.Terminal(o, e, Interactive: false);
        var command = new System.CommandLine.Command("boom");
        RealtimeMM.Cli.RtmmCli.SetGuardedAction(command, terminal, (_, _) => throw new InvalidOperationException("the answerer's state went wrong"));
        var root = new System.CommandLine.RootCommand { command };
        int code = root.Parse(["boom"]).Invoke();
        string error = e.ToString().Trim();
        TestContext.Out.WriteLine(error);
        Assert.That(code, Is.EqualTo(RealtimeMM.Cli.RtmmCli.InternalError).And.Not.EqualTo(RealtimeMM.Cli.RtmmCli.UserError));
        Assert.That(error.Split('\n'), Has.Length.EqualTo(1));
        Assert.That(error, Does.StartWith("rtmm: internal error: InvalidOperationException: the answerer's state went wrong"));
        var file = System.Text.RegularExpressions.Regex.Match(error, @"stack trace is in (\S+rtmm-crash-\S+\.txt)").Groups[1].Value;
        Assert.That(File.Exists(file), Is.True, error);
        Assert.That(File.ReadAllText(file), Does.Contain("InvalidOperationException").And.Contain(nameof(InternalFault_SaysInternalError_SavesTheStackTrace_ExitsSeventy)));
        File.Delete(file);
    }

    [TestCase("scene", "--size", "10x10")]
    [TestCase("scene", "--count", "3", "--clip")]
    [TestCase("scene", "--count", "0")]
    [TestCase("record")]
    [TestCase("nonsense")]
    [TestCase("nonsense", "--help")]
    [TestCase("scene", "--nonsense", "-h")]
    public void BadArguments_ExitNonZeroWithMessage(params string[] args)
    {
        var r = Rtmm.Run(args);
        TestContext.Out.WriteLine(r.Error);
        Assert.That(r.ExitCode, Is.Not.Zero);
        Assert.That(r.Error, Is.Not.Empty);
    }

    [TestCase]
    [TestCase("info")]
    [TestCase("scene")]
    [TestCase("record")]
    [TestCase("replay")]
    [TestCase("demo")]
    [TestCase("calibrate")]
    [TestCase("eval")]
    public void Help_EveryCommand_PrintsUsage(params string[] command)
    {
        var r = Rtmm.Run([.. command, "--help"]);
        Assert.That(r.ExitCode, Is.Zero);
        Assert.That(r.Out, Does.Contain("Usage:"));
    }

    [Test]
    public void Demo_Headless_PlaysTheBundledClipIntoAnAnnotatedClip()
    {
        var dir = Path.Combine(Temp, "demo");
        var r = Rtmm.Run("demo", "--out", dir, "--window", "false");
        TestContext.Out.WriteLine(r.Out);
        Assert.That(r.ExitCode, Is.Zero, r.ToString());
        var played = ReplayClip.LoadSidecar(Path.Combine(dir, "annotated", "clip.json")).FrameCount;
        Assert.That(r.Out, Does.Contain($"played {played} of 150 frames"));
        // real-time pacing: the consumer (model + heatmap) keeps up with most frames, and none is lost uncounted
        var dropped = int.Parse(System.Text.RegularExpressions.Regex.Match(r.Out, @"\((\d+) dropped\)").Groups[1].Value);
        Assert.That(played + dropped, Is.EqualTo(150));
        Assert.That(played, Is.GreaterThan(75));
    }
}
