using System.Numerics.Tensors;
using System.Text.Json;
using OpenCvSharp;
using RealtimeMM.Clip;
using RealtimeMM.Frames;
using RealtimeMM.Gpu;

namespace RealtimeMM.Tests.Clip;

/// <summary>
/// The CLIP path against PyTorch: models/clip-scenes-small was trained and exported by
/// models/training/clip_small.py, which also wrote what PyTorch computed (reference/reference.json).
/// </summary>
public class ClipBundleTests : TestBase
{
    static string Folder => Path.Combine(Tools.RepositoryRoot(), "models", "clip-scenes-small");
    static JsonElement Reference => JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "reference", "reference.json"))).RootElement;

    static float[] Unit(IEnumerable<float> v)
    {
        var a = v.ToArray();
        TensorPrimitives.Divide(a, TensorPrimitives.Norm(a), a);
        return a;
    }

    static float[] Floats(JsonElement e) => e.EnumerateArray().Select(x => x.GetSingle()).ToArray();

    [Test]
    public void Tokenizer_GivesTheIdsOfItsFiles()
    {
        using var clip = ClipBundle.Load(Folder, DevicePreference.Cpu);
        foreach (var t in Reference.GetProperty("texts").EnumerateArray())
        {
            var (ids, mask) = clip.Tokenizer.Encode(t.GetProperty("text").GetString()!);
            Assert.That(ids, Is.EqualTo(t.GetProperty("input_ids").EnumerateArray().Select(x => x.GetInt64())), t.GetProperty("text").GetString());
            Assert.That(mask, Is.EqualTo(t.GetProperty("attention_mask").EnumerateArray().Select(x => x.GetInt64())));
        }
    }

    [Test]
    public void Embeddings_MatchPyTorch()
    {
        using var clip = ClipBundle.Load(Folder, DevicePreference.Cpu);
        double worstText = 0, worstImage = 0, worstPatch = 0;
        foreach (var t in Reference.GetProperty("texts").EnumerateArray())
        {
            var expected = Unit(Floats(t.GetProperty("text_embeds")));
            var got = clip.EncodeText(t.GetProperty("text").GetString()!);
            worstText = Math.Max(worstText, expected.Zip(got).Max(p => Math.Abs(p.First - p.Second)));
        }
        foreach (var i in Reference.GetProperty("images").EnumerateArray())
        {
            using var m = Cv2.ImRead(Path.Combine(Folder, i.GetProperty("file").GetString()!));
            var image = clip.EncodeImage(m.AsImageView()); // 96x96: the preprocessing only normalises, as PyTorch's did
            worstImage = Math.Max(worstImage, Unit(Floats(i.GetProperty("image_embeds"))).Zip(image.Embedding).Max(p => Math.Abs(p.First - p.Second)));
            var first = Unit(Floats(i.GetProperty("patch_embeds_first")));
            var last = Unit(Floats(i.GetProperty("patch_embeds_last")));
            worstPatch = Math.Max(worstPatch, first.Zip(image.Patch(0, 0).ToArray()).Max(p => Math.Abs(p.First - p.Second)));
            worstPatch = Math.Max(worstPatch, last.Zip(image.Patch(clip.Grid - 1, clip.Grid - 1).ToArray()).Max(p => Math.Abs(p.First - p.Second)));
        }
        TestContext.Out.WriteLine($"max |C# - PyTorch| over unit embeddings: text {worstText:E2}, image {worstImage:E2}, patches (the dense path: layer norm and projection from the graph) {worstPatch:E2}");
        Assert.That(worstText, Is.LessThan(1e-5));
        Assert.That(worstImage, Is.LessThan(1e-4));
        Assert.That(worstPatch, Is.LessThan(1e-4));
    }

    [Test]
    public void VulkanPreprocessing_MatchesCpu()
    {
        using var device = VulkanDevice.Create(new VulkanOptions { Validation = true });
        using var cpu = ClipBundle.Load(Folder, DevicePreference.Cpu);
        using var gpu = ClipBundle.Load(Folder, DevicePreference.Vulkan, device);
        using var m = Cv2.ImRead(Path.Combine(Folder, "reference", "000001.png"));
        using var big = m.Resize(new Size(320, 240)); // resized and centre-cropped on both paths
        var a = cpu.EncodeImage(big.AsImageView());
        var b = gpu.EncodeImage(big.AsImageView());
        double worst = a.Patches.Zip(b.Patches).Max(p => Math.Abs(p.First - p.Second));
        TestContext.Out.WriteLine($"{gpu.Device}: max |vulkan - cpu| over patch embeddings {worst:E2}");
        Assert.That(gpu.Device, Does.StartWith("vulkan:"));
        Assert.That(worst, Is.LessThan(2e-3));
        Assert.That(device.ValidationMessages, Is.Empty);
    }

    [TestCase("merges.txt", "merges.txt: not found")]
    [TestCase("vocab.json", "vocab.json: not found")]
    [TestCase("vision-renamed", "vision_model.onnx: input 'pixel_values' missing")]
    [TestCase("config", "config.json: missing 'vision_config.patch_size'")]
    [TestCase("prompts", "prompts.json: \"templates\" must be a JSON array of prompts, each with {0} where the name goes")]
    public void DamagedBundle_NamesTheFileAndProblem(string damage, string expected)
    {
        string copy = Path.Combine(Temp, "clip");
        foreach (var f in Directory.EnumerateFiles(Folder, "*", SearchOption.AllDirectories))
        {
            var to = Path.Combine(copy, Path.GetRelativePath(Folder, f));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(f, to);
        }
        switch (damage)
        {
            case "merges.txt" or "vocab.json":
                File.Delete(Path.Combine(copy, damage));
                break;
            case "vision-renamed": // a text model where the vision model should be
                File.Copy(Path.Combine(copy, "onnx", "text_model.onnx"), Path.Combine(copy, "onnx", "vision_model.onnx"), overwrite: true);
                break;
            case "prompts":
                File.WriteAllText(Path.Combine(copy, "prompts.json"), "{\"templates\": [\"a photo\"]}");
                break;
            case "config":
                File.WriteAllText(Path.Combine(copy, "config.json"), File.ReadAllText(Path.Combine(copy, "config.json")).Replace("\"patch_size\"", "\"patch\""));
                break;
        }
        var e = Assert.Throws<ClipBundleException>(() => ClipBundle.Load(copy, DevicePreference.Cpu));
        TestContext.Out.WriteLine(e!.Message);
        Assert.That(e.Message, Does.Contain(expected));
        Assert.That(e.Message.Split('\n'), Has.Length.EqualTo(1));
    }
}
