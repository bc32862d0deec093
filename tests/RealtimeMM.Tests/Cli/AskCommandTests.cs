using System.Text.Json;

namespace RealtimeMM.Tests.Cli;

public class AskCommandTests : TestBase
{
    string image = "";

    [SetUp]
    public void WriteImage()
    {
        Assert.That(Rtmm.Run("scene", "--seed", "4", "--count", "2", "--out", Path.Combine(Temp, "scenes")).ExitCode, Is.Zero);
        image = Path.Combine(Temp, "scenes", "frames", "000000.png");
    }

    [Test]
    public void Ask_Json_FollowsTheContract()
    {
        var r = Rtmm.Run("ask", "--image", image, "--query", "how many cars are there", "--json", "--device", "Cpu");
        Assert.That(r.ExitCode, Is.Zero, r.ToString());
        var j = JsonDocument.Parse(r.Out).RootElement;
        Assert.That(j.GetProperty("query").GetString(), Is.EqualTo("how many cars are there"));
        string truth = RealtimeMM.Tests.Scenes.SceneTruth.Of(RealtimeMM.Scenes.SceneGenerator.Render(4, 0), "how many cars are there")!;
        Assert.That(j.GetProperty("answer").GetString(), Is.EqualTo(truth), "the scene's ground truth");
        Assert.That(j.GetProperty("confidence").GetDouble(), Is.InRange(0.5, 1));
        Assert.That(j.GetProperty("answerer").GetString(), Is.EqualTo("scene-model"));
        Assert.That(j.GetProperty("not_sure").GetBoolean(), Is.False);
        Assert.That(j.GetProperty("out_of_world").GetBoolean(), Is.False);
        Assert.That(j.GetProperty("in_world").GetDouble(), Is.InRange(0.005, 1));
        Assert.That(j.GetProperty("kind").GetString(), Is.EqualTo("count"));
        var manifest = RealtimeMM.Bundle.BundleManifest.Load(Path.Combine(RealtimeMM.Bundle.ModelBundle.DefaultFolder, "manifest.json"));
        Assert.That(j.GetProperty("attention").GetProperty("grid").EnumerateArray().Select(e => e.GetInt32()), Is.EqualTo(new[] { manifest.GridWidth, manifest.GridHeight }));
        var peak = j.GetProperty("attention").GetProperty("peak").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.That(peak[0], Is.InRange(0, 320));
        Assert.That(peak[1], Is.InRange(0, 240));
        Assert.That(j.GetProperty("timings_ms").EnumerateObject().Select(p => p.Name), Is.SupersetOf(new[] { "preprocess", "vision", "text", "fusion" }));
        Assert.That(j.GetProperty("device").GetString(), Is.EqualTo("cpu"));
    }

    [Test, Category("Vulkan")]
    public void Ask_DeviceVulkan_SameAnswerAsCpu()
    {
        foreach (var question in new[] { "what color is the car", "how many objects are there", "where is the dog" })
        {
            var cpu = JsonDocument.Parse(Rtmm.Run("ask", "--image", image, "--query", question, "--json", "--device", "Cpu").Out).RootElement;
            var r = Rtmm.Run("ask", "--image", image, "--query", question, "--json", "--device", "Vulkan");
            Assert.That(r.ExitCode, Is.Zero, r.ToString());
            var vk = JsonDocument.Parse(r.Out).RootElement;
            Assert.That(vk.GetProperty("device").GetString(), Does.StartWith("vulkan:llvmpipe"));
            Assert.That(vk.GetProperty("answer").GetString(), Is.EqualTo(cpu.GetProperty("answer").GetString()), question);
            Assert.That(vk.GetProperty("confidence").GetDouble(), Is.EqualTo(cpu.GetProperty("confidence").GetDouble()).Within(1e-3), question);
            Assert.That(vk.GetProperty("attention").GetProperty("peak").ToString(), Is.EqualTo(cpu.GetProperty("attention").GetProperty("peak").ToString()), question);
        }
    }

    [Test]
    public void Ask_QuestionsFile_OneAnswerPerLineInOrder()
    {
        var second = Path.Combine(Temp, "scenes", "frames", "000001.png");
        var questions = new[] { (image, "what color is the car"), (image, "is there a dog"), (second, "where is the ball"), (image, "what color is the dragon") };
        var file = Path.Combine(Temp, "q.jsonl");
        File.WriteAllLines(file, questions.Select(q => JsonSerializer.Serialize(new { image = q.Item1, question = q.Item2 })));
        var r = Rtmm.Run("ask", "--questions", file);
        Assert.That(r.ExitCode, Is.Zero, r.ToString());
        var lines = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.That(lines.Select(l => l.GetProperty("query").GetString()), Is.EqualTo(questions.Select(q => q.Item2)));
        Assert.That(lines[3].GetProperty("reason").GetString(), Does.Contain("'dragon'"));
    }

    [TestCase("--image", "missing.png", "--query", "what color is the car", "missing.png: file not found")]
    [TestCase("--image", "IMAGE", "--query", "what color is the car", "--model", "nomodel", "nomodel: bundle: folder not found")]
    public void Ask_BadInput_OneLineError(params string[] args)
    {
        var problem = args[^1];
        var r = Rtmm.Run(["ask", .. args[..^1].Select(a => a == "IMAGE" ? image : a == "missing.png" ? Path.Combine(Temp, a) : a)]);
        Assert.That(r.ExitCode, Is.EqualTo(1), r.ToString());
        Assert.That(r.ErrorLines, Has.Length.EqualTo(1));
        Assert.That(r.ErrorLines[0], Does.Contain(problem));
    }

    [Test]
    public void Ask_QuestionsFileWithBadLine_NamesTheLine()
    {
        var file = Path.Combine(Temp, "q.jsonl");
        File.WriteAllLines(file, [JsonSerializer.Serialize(new { image, question = "is there a car" }), "{\"image\": 3}"]);
        var r = Rtmm.Run("ask", "--questions", file);
        Assert.That(r.ExitCode, Is.EqualTo(1));
        Assert.That(r.ErrorLines.Last(), Does.Contain("q.jsonl:2: expected a JSON object"));
    }

    [Test]
    public void Eval_ShippedModel_AnswersAndPointsLikeItsModelCard()
    {
        // 40 held-out scenes (400 questions) through the whole C# pipeline. With the 192-pixel model
        // (session 13): overall 99.5%, color 100%, count 100%, exist 100%, identify 100%, position 97.5%,
        // pointing 100%. The gates sit just under: a bundle with red and blue swapped in its mean scored
        // 97.5% overall and 94.1% on color here, which they fail.
        var r = Rtmm.Run("eval", "--count", "40", "--json", "--device", "Cpu");
        Assert.That(r.ExitCode, Is.Zero, r.ToString());
        var j = JsonDocument.Parse(r.Out).RootElement;
        TestContext.Out.WriteLine(r.Out);
        var accuracy = j.GetProperty("accuracy");
        Assert.That(accuracy.GetProperty("overall").GetDouble(), Is.GreaterThanOrEqualTo(98.5));
        Assert.That(accuracy.GetProperty("color").GetDouble(), Is.GreaterThanOrEqualTo(97));
        foreach (var kind in new[] { "count", "exist", "identify", "position" })
            Assert.That(accuracy.GetProperty(kind).GetDouble(), Is.GreaterThanOrEqualTo(96), kind);
        Assert.That(j.GetProperty("pointing_game").GetDouble(), Is.GreaterThanOrEqualTo(97));
    }

    [Test]
    public void Eval_SmallSplit_ReportsEveryMeasure()
    {
        string plot = Path.Combine(Temp, "reliability.png");
        var r = Rtmm.Run("eval", "--count", "12", "--json", "--device", "Cpu", "--plot", plot);
        Assert.That(r.ExitCode, Is.Zero, r.ToString());
        var j = JsonDocument.Parse(r.Out).RootElement;
        Assert.That(j.GetProperty("accuracy").EnumerateObject().Select(p => p.Name), Is.SupersetOf(new[] { "overall", "color", "count", "exist", "position", "identify" }));
        Assert.That(j.GetProperty("counts").GetProperty("overall").GetInt32(), Is.EqualTo(120));
        Assert.That(j.GetProperty("pointing_game").GetDouble(), Is.InRange(0, 100));
        foreach (var set in new[] { j, j.GetProperty("test_world") })
        {
            Assert.That(set.GetProperty("trust").GetProperty("ece").GetDouble(), Is.InRange(0, 1));
            Assert.That(set.GetProperty("trust").GetProperty("bins").GetArrayLength(), Is.GreaterThan(0));
            Assert.That(set.GetProperty("not_in_view").GetProperty("asked").GetInt32(), Is.GreaterThan(0));
        }
        Assert.That(j.GetProperty("test_world").GetProperty("counts").GetProperty("overall").GetInt32(), Is.EqualTo(120));
        using var png = OpenCvSharp.Cv2.ImRead(plot);
        Assert.That(png.Empty(), Is.False, "the reliability diagram is a readable PNG");
    }
}

public class ReplayQuestionsTests : TestBase
{
    [Test]
    public void ReplayQuestions_AnswersEveryFrameIntoJsonAndAnnotatedClip()
    {
        var (clip, _) = Clips.Write(Path.Combine(Temp, "clip"), frames: 12);
        var questions = Path.Combine(Temp, "q.txt");
        File.WriteAllLines(questions, ["what color is the car", "", "how many objects are there"]);
        var outDir = Path.Combine(Temp, "out");
        var r = Rtmm.Run("replay", clip, "--questions", questions, "--out", outDir, "--stats", "--json", "--device", "Cpu");
        Assert.That(r.ExitCode, Is.Zero, r.ToString());
        var lines = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement).ToArray();
        Assert.That(lines, Has.Length.EqualTo(12 * 2 + 1));
        Assert.That(lines.Take(24).Select(l => l.GetProperty("frame").GetInt32()), Is.EqualTo(Enumerable.Range(0, 12).SelectMany(f => new[] { f, f })));
        Assert.That(lines[1].GetProperty("query").GetString(), Is.EqualTo("how many objects are there"));
        var stats = lines[^1].GetProperty("stats");
        Assert.That(stats.GetProperty("frames").GetInt32(), Is.EqualTo(12));
        Assert.That(stats.GetProperty("latency_ms").GetProperty("p99").GetDouble(), Is.GreaterThan(0));
        var gc = stats.GetProperty("gc");
        TestContext.Out.WriteLine($"garbage collector over the replay: {gc}");
        Assert.That(gc.GetProperty("allocated_kb_per_frame").GetDouble(), Is.GreaterThan(0));
        Assert.That(gc.GetProperty("gen2").GetInt32(), Is.LessThanOrEqualTo(gc.GetProperty("gen0").GetInt32()));
        Assert.That(File.ReadAllLines(Path.Combine(outDir, "answers.jsonl")), Has.Length.EqualTo(24));
        Assert.That(RealtimeMM.Replay.ReplayClip.LoadSidecar(Path.Combine(outDir, "annotated", "clip.json")).FrameCount, Is.EqualTo(12));
    }

    [Test]
    public void StandingQuestions_NoSmoothing_SameAsAskingEachFrame()
    {
        using var answerer = RealtimeMM.Answering.QuestionAnswerer.Open(device: RealtimeMM.Gpu.DevicePreference.Cpu);
        var standing = new RealtimeMM.Answering.StandingQuestions(answerer, smoothing: 1f, margin: 0f);
        standing.Add("what color is the car");
        standing.Add("is there a dog");
        foreach (var scene in RealtimeMM.Scenes.SceneGenerator.RenderClip(8, 6, 30, Clips.Small))
        {
            var frame = answerer.Encode(new RealtimeMM.Frames.ImageView(scene.Bgr, scene.Width, scene.Height, scene.Width * 3));
            var smoothed = standing.Update(frame);
            Assert.That(smoothed.Select(a => a.ModelAnswer), Is.EqualTo(standing.Questions.Select(q => answerer.Ask(frame, q).ModelAnswer)));
        }
    }
}
