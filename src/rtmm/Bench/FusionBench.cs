using Microsoft.ML.OnnxRuntime;
using RealtimeMM.Gpu;
using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;

namespace RealtimeMM.Cli.Bench;

/// <summary>
/// The question–image fusion, per question, every path in one run on one machine: Vulkan wall
/// (upload of the question states, dispatch, readback of logits and attention maps), the Vulkan
/// kernels alone (GPU timestamps), the C# reference (the frame's keys and values once, shared by the
/// frame's questions), and ONNX Runtime running the bundle's fusion oracle with the questions batched.
/// Inputs are seeded random activations of the bundle's shapes: the cost does not depend on the values.
/// </summary>
internal static class FusionBench
{
    public sealed record BatchResult(int Questions, IReadOnlyList<Timing.Stats> Paths, double MaxLogitDiffVulkan, double MaxAttentionDiffVulkan, double MaxLogitDiffOnnx);

    public static (string Machine, string Vulkan, List<BatchResult> Batches) Run(ModelBundle bundle, IEnumerable<int> batches, int maxRuns, TimeSpan budget, Action<string> progress)
    {
        var m = bundle.Manifest;
        using var device = Timing.TryVulkan(progress);
        var reference = new FusionReference(bundle.Fusion);
        using var oracle = new InferenceSession(Path.Combine(bundle.Folder, m.FusionOracleFile ?? throw new UsageException($"{bundle.Folder}: the bundle has no fusion oracle (fusion.oracle in manifest.json)")));
        int mapSize = m.FusionLayers * m.Heads * m.ImageTokens, d = m.ModelDim, answers = m.Answers.Length;
        var rng = new Random(17);
        float[] Random(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 3 - 1.5)).ToArray();
        var image = Random(m.ImageTokens * d);
        var results = new List<BatchResult>();
        foreach (int n in batches)
        {
            progress($"fusion, {n} question(s) per frame");
            var questions = Enumerable.Range(0, n).Select(_ =>
            {
                int words = 1 + rng.Next(m.MaxTokens - 1);
                return (Random(m.MaxTokens * d), Enumerable.Range(0, m.MaxTokens).Select(t => t <= words ? 1f : 0f).ToArray());
            }).ToList();
            var expectedLogits = new float[n * answers];
            var expectedAttention = new float[n * mapSize];
            void RunReference()
            {
                var keys = reference.PrepareImage(image, m.ImageTokens);
                for (int i = 0; i < n; i++)
                    reference.Run(keys, questions[i].Item1, questions[i].Item2, expectedLogits.AsSpan(i * answers, answers), expectedAttention.AsSpan(i * mapSize, mapSize));
            }
            var paths = new List<Timing.Stats>();
            var refStats = PerQuestion(Timing.Measure("C# reference", RunReference, Math.Max(10, maxRuns / 5), budget).Wall, n);

            double dVkLogit = double.NaN, dVkAttention = double.NaN;
            if (device is not null)
            {
                using var gpu = new VulkanFusion(device, bundle.Fusion, m.ImageTokens, m.MaxTokens, maxQuestions: n);
                var logits = new float[n * answers];
                var attention = new float[n * mapSize];
                var (wall, kernel) = Timing.Measure($"Vulkan upload+dispatch+readback ({device.Info.Name}, {gpu.Threads} threads a workgroup)", () => gpu.Run(image, questions, logits, attention), maxRuns, budget,
                    ("Vulkan kernels (GPU timestamps)", () => gpu.LastKernelMs),
                    ("Vulkan kernels: 1st dispatch, frame keys/values + first projections (GPU timestamps)", () => gpu.LastImageKeysMs),
                    ("Vulkan kernels: the layers after it (GPU timestamps)", () => gpu.LastKernelMs - gpu.LastImageKeysMs));
                dVkLogit = Timing.MaxAbsDiff(expectedLogits, logits);
                dVkAttention = Timing.MaxAbsDiff(expectedAttention, attention);
                paths.Add(PerQuestion(wall, n));
                paths.AddRange(kernel.Select(k => PerQuestion(k, n)));
                var spin = device.FenceSpin;
                if (spin > TimeSpan.Zero)
                {
                    // on a real GPU, the same with a blocking fence wait instead of polling first
                    device.FenceSpin = TimeSpan.Zero;
                    paths.Add(PerQuestion(Timing.Measure($"Vulkan upload+dispatch+readback, blocking fence wait", () => gpu.Run(image, questions, logits, attention), maxRuns, budget).Wall, n));
                    device.FenceSpin = spin;
                }
            }

            var patches = new float[n * m.ImageTokens * d];
            for (int i = 0; i < n; i++)
                image.CopyTo(patches, i * m.ImageTokens * d);
            var text = questions.SelectMany(q => q.Item1).ToArray();
            var mask = questions.SelectMany(q => q.Item2).ToArray();
            using var p = OrtValue.CreateTensorValueFromMemory(patches, [n, m.ImageTokens, d]);
            using var t = OrtValue.CreateTensorValueFromMemory(text, [n, m.MaxTokens, d]);
            using var k = OrtValue.CreateTensorValueFromMemory(mask, [n, m.MaxTokens]);
            var onnxLogits = new float[n * answers];
            using var runOptions = new RunOptions();
            void RunOnnx()
            {
                using var outputs = oracle.Run(runOptions, ["patches", "text", "mask"], [p, t, k], ["logits", "attention"]);
                outputs[0].GetTensorDataAsSpan<float>().CopyTo(onnxLogits);
            }
            var onnxStats = PerQuestion(Timing.Measure("ONNX Runtime, fusion.onnx (CPU)", RunOnnx, maxRuns, budget).Wall, n);
            paths.Add(refStats);
            paths.Add(onnxStats);
            results.Add(new BatchResult(n, paths, dVkLogit, dVkAttention, Timing.MaxAbsDiff(expectedLogits, onnxLogits)));
        }
        return (Timing.Machine(), Timing.Describe(device), results);
    }

    /// <summary>A whole-frame timing divided by its question count.</summary>
    static Timing.Stats PerQuestion(Timing.Stats s, int n) => s with { MedianMs = s.MedianMs / n, P10Ms = s.P10Ms / n, P90Ms = s.P90Ms / n, MinMs = s.MinMs / n };
}
