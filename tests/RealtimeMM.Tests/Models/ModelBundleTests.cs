using System.Text.Json.Nodes;
using Microsoft.ML.OnnxRuntime;
using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;

namespace RealtimeMM.Tests.Models;

public class ModelBundleTests : TestBase
{
    [Test]
    public void Load_ShippedBundle_FieldsAndShapesAgree()
    {
        using var bundle = ModelBundle.Load(ModelBundle.DefaultFolder);
        var m = bundle.Manifest;
        TestContext.Out.WriteLine($"{m.Name}: input {m.ImageWidth}x{m.ImageHeight}, grid {m.GridWidth}x{m.GridHeight}+{m.ExtraTokens}, d={m.ModelDim}, {m.Answers.Length} answers");
        Assert.That(m.Version, Is.EqualTo(2));
        Assert.That(m.Answers, Is.EqualTo(World.Default.Answers), "the shipped bundle was made for the default world");
        Assert.That(m.World.Classes, Is.EqualTo(World.Default.Classes));
        Assert.That(bundle.Tokenizer.Vocabulary.Take(3), Is.EqualTo(new[] { "[PAD]", "[CLS]", "[UNK]" }));
        Assert.That(bundle.Fusion.Layers, Has.Length.EqualTo(m.FusionLayers));
        var size = Directory.GetFiles(ModelBundle.DefaultFolder).Sum(f => new FileInfo(f).Length);
        TestContext.Out.WriteLine($"bundle size {size / 1e6:F1} MB");
        Assert.That(size, Is.LessThanOrEqualTo(30_000_000));
    }

    [Test]
    public void FusionReference_MatchesTheOnnxOracle()
    {
        using var bundle = ModelBundle.Load(ModelBundle.DefaultFolder);
        var m = bundle.Manifest;
        var fusion = new FusionReference(bundle.Fusion);
        using var oracle = new InferenceSession(Path.Combine(ModelBundle.DefaultFolder, m.FusionOracleFile!));
        // held in a variable for the whole test: passed as `new RunOptions()` it was unreachable once Run had read its
        // handle, and optimised code (tiered compilation off) let its finalizer free it while ONNX Runtime still ran:
        // the test host crashed in this test (session 13, DOTNET_TieredCompilation=0; issue 23's lifetime bug)
        using var runOptions = new RunOptions();
        var rng = new Random(5);
        double worstLogit = 0, worstAttention = 0;
        int argmaxAgree = 0, trials = 20;
        for (int trial = 0; trial < trials; trial++)
        {
            int words = 1 + rng.Next(m.MaxTokens - 1);
            var patches = Enumerable.Range(0, m.ImageTokens * m.ModelDim).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
            var text = Enumerable.Range(0, m.MaxTokens * m.ModelDim).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
            var mask = Enumerable.Range(0, m.MaxTokens).Select(i => i <= words ? 1f : 0f).ToArray();
            var logits = new float[m.Answers.Length];
            var attention = new float[m.FusionLayers * m.Heads * m.ImageTokens];
            fusion.Run(fusion.PrepareImage(patches, m.ImageTokens), text, mask, logits, attention);

            using var p = OrtValue.CreateTensorValueFromMemory(patches, [1, m.ImageTokens, m.ModelDim]);
            using var t = OrtValue.CreateTensorValueFromMemory(text, [1, m.MaxTokens, m.ModelDim]);
            using var k = OrtValue.CreateTensorValueFromMemory(mask, [1, m.MaxTokens]);
            using var outputs = oracle.Run(runOptions, ["patches", "text", "mask"], [p, t, k], ["logits", "attention"]);
            var expectedLogits = outputs[0].GetTensorDataAsSpan<float>().ToArray();
            var expectedAttention = outputs[1].GetTensorDataAsSpan<float>().ToArray();
            worstLogit = Math.Max(worstLogit, expectedLogits.Zip(logits).Max(z => Math.Abs(z.First - z.Second)));
            worstAttention = Math.Max(worstAttention, expectedAttention.Zip(attention).Max(z => Math.Abs(z.First - z.Second)));
            if (Array.IndexOf(expectedLogits, expectedLogits.Max()) == Array.IndexOf(logits, logits.Max()))
                argmaxAgree++;
        }
        TestContext.Out.WriteLine($"C# fusion vs fusion.onnx over {trials} inputs: max |logit diff| = {worstLogit:E2}, max |attention diff| = {worstAttention:E2}, same answer {argmaxAgree}/{trials}");
        Assert.That(worstLogit, Is.LessThanOrEqualTo(1e-4));
        Assert.That(worstAttention, Is.LessThanOrEqualTo(1e-5));
        Assert.That(argmaxAgree, Is.EqualTo(trials));
    }

    /// <summary>A copy of the shipped bundle with one thing broken, and the file and field the error must name.</summary>
    static IEnumerable<TestCaseData> Broken()
    {
        yield return Case("missing vision encoder", d => File.Delete(Path.Combine(d, "vision.onnx")), "vision.onnx", "not found");
        yield return Case("manifest typo", d => EditManifest(d, j => j["dims"]!["heads"] = "four"), "manifest.json", "dims.heads");
        yield return Case("manifest field missing", d => EditManifest(d, j => j["image"]!.AsObject().Remove("width")), "manifest.json", "image.width: missing");
        yield return Case("wrong model width", d => EditManifest(d, j => j["dims"]!["model"] = 64), "fusion.safetensors", "shape");
        var shipped = BundleManifest.Load(Path.Combine(ModelBundle.DefaultFolder, "manifest.json"));
        yield return Case("wrong grid", d => EditManifest(d, j => j["grid"]!["width"] = 8), "vision.onnx", $"'tokens' [1, {8 * shipped.GridHeight + 1}, {shipped.ModelDim}]");
        yield return Case("path escapes the bundle", d => EditManifest(d, j => j["text"]!["file"] = "../text.onnx"), "manifest.json", "text.file");
        yield return Case("fusion weights truncated", d => Truncate(Path.Combine(d, "fusion.safetensors")), "fusion.safetensors", "do not fit the file");
        yield return Case("unknown fit", d => EditManifest(d, j => j["image"]!["fit"] = "zoom"), "manifest.json", "image.fit: 'zoom' is not one of stretch, crop, letterbox");
        yield return Case("unknown filter", d => EditManifest(d, j => j["image"]!["filter"] = "cubic"), "manifest.json", "image.filter");
        yield return Case("not JSON", d => File.WriteAllText(Path.Combine(d, "manifest.json"), "{ nope"), "manifest.json", "not valid JSON");
        yield return Case("world class listed twice", d => EditManifest(d, j => j["world"]!["classes"]!.AsArray().Add(new JsonObject { ["name"] = "car" })), "manifest.json", "world.classes: 'car' is listed twice");
        yield return Case("world color without answer", d => EditManifest(d, j => j["world"]!["colors"]!.AsArray().Add("cyan")), "manifest.json", "world.colors: 'cyan' has no answer");
        yield return Case("world kind without phrasings", d => EditManifest(d, j => j["world"]!["question_kinds"]!["color"] = new JsonArray()), "manifest.json", "world.question_kinds.color");
        yield return Case("answers disagree with the logits", d => EditManifest(d, j => j["world"]!["answers"]!.AsArray().Add("maybe")), "fusion.safetensors", "answers");
        yield return Case("vocabulary without specials", d => File.WriteAllText(Path.Combine(d, "vocab.json"), "[\"car\"]"), "vocab.json", "[PAD]");

        static TestCaseData Case(string name, Action<string> breakIt, string file, string field) =>
            new TestCaseData(breakIt, file, field).SetName($"Load_{name.Replace(' ', '_')}_NamesFileAndField");
        static void EditManifest(string dir, Action<JsonObject> edit) => BundleCopy.EditManifest(dir, edit); // short name for the cases above
        static void Truncate(string path)
        {
            var b = File.ReadAllBytes(path);
            File.WriteAllBytes(path, b[..(b.Length / 2)]);
        }
    }

    [TestCaseSource(nameof(Broken))]
    public void Load_BrokenBundle_Throws(Action<string> breakIt, string file, string field)
    {
        var dir = BundleCopy.Make(Temp);
        breakIt(dir);
        var e = Assert.Throws<ModelBundleException>(() => ModelBundle.Load(dir).Dispose());
        TestContext.Out.WriteLine(e!.Message);
        Assert.That(e.Message, Does.Contain(file).And.Contain(field));
        Assert.That(e.Message, Does.Not.Contain("\n"));
    }
}

public class ModelBundlePreprocessTests : TestBase
{
    [Test]
    public void Manifest_FitAndFilter_ReachThePreprocessing()
    {
        string dir = Path.Combine(Temp, "bundle");
        Directory.CreateDirectory(dir);
        foreach (var f in Directory.GetFiles(ModelBundle.DefaultFolder))
            File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        var path = Path.Combine(dir, "manifest.json");
        var j = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        j["image"]!["fit"] = "letterbox";
        j["image"]!["filter"] = "area";
        File.WriteAllText(path, j.ToJsonString());
        using var bundle = ModelBundle.Load(dir);
        Assert.That(bundle.Preprocess.Fit, Is.EqualTo(RealtimeMM.Preprocess.FitMode.Letterbox));
        Assert.That(bundle.Preprocess.Filter, Is.EqualTo(RealtimeMM.Preprocess.ResizeFilter.Area));
        using var shipped = ModelBundle.Load(ModelBundle.DefaultFolder);
        Assert.That(shipped.Preprocess.Fit, Is.EqualTo(RealtimeMM.Preprocess.FitMode.Stretch), "the shipped manifest says stretch");
    }
}
