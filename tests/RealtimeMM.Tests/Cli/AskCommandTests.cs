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
        Assert.That(j.GetProperty("answer").GetString(), Is.Not.Empty);
        Assert.That(j.GetProperty("confidence").GetDouble(), Is.InRange(0, 1));
        Assert.That(j.GetProperty("kind").GetString(), Is.EqualTo("count"));
        Assert.That(j.GetProperty("attention").GetProperty("grid").EnumerateArray().Select(e => e.GetInt32()), Is.EqualTo(new[] { 16, 16 }));
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
    public void Eval_SmallSplit_ReportsEveryMeasure()
    {
        var r = Rtmm.Run("eval", "--count", "12", "--json", "--device", "Cpu");
        Assert.That(r.ExitCode, Is.Zero, r.ToString());
        var j = JsonDocument.Parse(r.Out).RootElement;
        Assert.That(j.GetProperty("accuracy").EnumerateObject().Select(p => p.Name), Is.SupersetOf(new[] { "overall", "color", "count", "exist", "position", "identify" }));
        Assert.That(j.GetProperty("counts").GetProperty("overall").GetInt32(), Is.EqualTo(120));
        Assert.That(j.GetProperty("pointing_game").GetDouble(), Is.InRange(0, 100));
    }
}
