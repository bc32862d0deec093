using System.Text.Json;
using RealtimeMM.Frames;
using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;
using RealtimeMM.Preprocess;
using RealtimeMM.Scenes;
using RealtimeMM.Tests.Cli;

namespace RealtimeMM.Tests.Preprocess;

/// <summary>
/// The runtime's model input against the training pipeline's (tests/data/preprocess-reference.json:
/// what `rtmm dataset` gave train.py for one scene when the model was trained). A bundle whose mean
/// or std drifted (red and blue swapped), or a preprocessing default that changed, fails here by name.
/// </summary>
public class TrainingReferenceTests : TestBase
{
    static (int Seed, int Index, int W, int H, int Input, (int C, int Y, int X, float V)[] Samples) Reference()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Tools.RepositoryRoot(), "tests", "data", "preprocess-reference.json")));
        var r = doc.RootElement;
        var render = r.GetProperty("render").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var samples = r.GetProperty("samples").EnumerateArray().Select(s => s.EnumerateArray().Select(v => v.GetDouble()).ToArray())
            .Select(v => ((int)v[0], (int)v[1], (int)v[2], (float)v[3])).ToArray();
        return (r.GetProperty("seed").GetInt32(), r.GetProperty("index").GetInt32(), render[0], render[1], r.GetProperty("input").GetInt32(), samples);
    }

    [Test]
    public void CpuPreprocessor_ShippedBundle_GivesTheInputTheModelWasTrainedOn()
    {
        var (seed, index, w, h, input, samples) = Reference();
        using var bundle = ModelBundle.Load(ModelBundle.DefaultFolder);
        Assert.That(bundle.Manifest.ImageWidth, Is.EqualTo(input));
        var scene = SceneGenerator.Render(seed, index, new SceneOptions { Width = w, Height = h });
        using var pre = new CpuPreprocessor(bundle.Preprocess);
        var tensor = new float[bundle.Preprocess.OutputLength];
        pre.Run(new ImageView(scene.Bgr, w, h, w * 3), tensor);
        double worst = samples.Max(s => Math.Abs(tensor[(s.C * input + s.Y) * input + s.X] - s.V));
        TestContext.Out.WriteLine($"runtime (bundle {bundle.Manifest.Name}) against the training pipeline's input: max |diff| {worst:E2} over {samples.Length} samples");
        // float16 keeps 11 significant bits: 2e-3 at the values' magnitude (under 2.2); a swapped mean moves them by 0.1 or more
        Assert.That(worst, Is.LessThan(2e-3));
    }

    [Test]
    public void Dataset_TrainingPipeline_StillMakesTheReference()
    {
        var (seed, index, w, h, input, samples) = Reference();
        string file = Path.Combine(Temp, "one.bin");
        var r = Rtmm.Run("dataset", "--seed", seed.ToString(), "--start", index.ToString(), "--count", "1", "--input", input.ToString(), "--grid", "24", "--size", $"{w}x{h}", "--out", file);
        Assert.That(r.ExitCode, Is.Zero, r.ToString());
        var bytes = File.ReadAllBytes(file);
        int json = BitConverter.ToInt32(bytes, 0);
        var tensor = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, Half>(bytes.AsSpan(4 + json, 3 * input * input * 2)).ToArray();
        double worst = samples.Max(s => Math.Abs((float)tensor[(s.C * input + s.Y) * input + s.X] - s.V));
        TestContext.Out.WriteLine($"rtmm dataset today against the reference: max |diff| {worst:E2}");
        Assert.That(worst, Is.LessThan(1e-4));
    }
}
