using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;
using RealtimeMM.Tests.Gpu;

namespace RealtimeMM.Tests.Models;

/// <summary>The fusion kernels against the C# reference, on lavapipe with validation on.</summary>
public class VulkanFusionTests : VulkanFixture
{
    [TestCase(1, 0, false)]
    [TestCase(5, 0, false)]
    // 32 tokens with a gap in the mask: every token is computed, the padding masked
    [TestCase(3, 32, true)]
    // 96 threads a workgroup: every linear's outputs and the frame's key columns wrap around the threads, and
    // a head's 24 threads reduce over a segment that is no power of two
    [TestCase(2, 0, false, 96)]
    public void Run_SeveralQuestionsInOneDispatch_MatchesReference(int questions, int tokens, bool gaps, int? threads = null)
    {
        using var bundle = ModelBundle.Load(ModelBundle.DefaultFolder);
        var m = bundle.Manifest;
        int maxTokens = tokens > 0 ? tokens : m.MaxTokens;
        var reference = new FusionReference(bundle.Fusion);
        using var gpu = new VulkanFusion(Device, bundle.Fusion, m.ImageTokens, maxTokens, maxQuestions: 8, threads, sharedBytes: null);
        var rng = new Random(questions);
        float[] Random(int n, double amplitude) => Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 2 - 1) * amplitude)).ToArray();
        var image = Random(m.ImageTokens * m.ModelDim, 1.5);
        var qs = Enumerable.Range(0, questions).Select(i =>
        {
            int words = gaps ? maxTokens - 4 : 1 + rng.Next(maxTokens - 1);
            return (Random(maxTokens * m.ModelDim, 1.5), Enumerable.Range(0, maxTokens).Select(t => t <= words && !(gaps && t == 2) ? 1f : 0f).ToArray());
        }).ToList();
        int mapSize = m.FusionLayers * m.Heads * m.ImageTokens;
        var logits = new float[questions * m.Answers.Length];
        var attention = new float[questions * mapSize];
        gpu.Run(image, qs, logits, attention);

        var keys = reference.PrepareImage(image, m.ImageTokens);
        double worstLogit = 0, worstAttention = 0;
        int same = 0;
        for (int i = 0; i < questions; i++)
        {
            var expectedLogits = new float[m.Answers.Length];
            var expectedAttention = new float[mapSize];
            reference.Run(keys, qs[i].Item1, qs[i].Item2, expectedLogits, expectedAttention);
            var got = logits.AsSpan(i * m.Answers.Length, m.Answers.Length).ToArray();
            var gotAttention = attention.AsSpan(i * mapSize, mapSize).ToArray();
            worstLogit = Math.Max(worstLogit, expectedLogits.Zip(got).Max(z => Math.Abs(z.First - z.Second)));
            worstAttention = Math.Max(worstAttention, expectedAttention.Zip(gotAttention).Max(z => Math.Abs(z.First - z.Second)));
            if (Array.IndexOf(got, got.Max()) == Array.IndexOf(expectedLogits, expectedLogits.Max()))
                same++;
        }
        TestContext.Out.WriteLine($"{questions} question(s) of {maxTokens} tokens{(gaps ? ", a gap in the mask" : "")}: max |vulkan - reference| logits {worstLogit:E2}, attention {worstAttention:E2}; same answer {same}/{questions}; kernel {gpu.LastKernelMs:F2} ms, of which the frame's keys and values (beside the first projections) {gpu.LastImageKeysMs:F2} (lavapipe, {gpu.Threads} threads a workgroup)");
        if (Device.SupportsTimestamps)
            Assert.That(gpu.LastImageKeysMs, Is.GreaterThan(0).And.LessThan(gpu.LastKernelMs), "the mark between the frame's keys and the layers");
        Assert.That(worstLogit, Is.LessThanOrEqualTo(1e-3));
        Assert.That(worstAttention, Is.LessThanOrEqualTo(1e-4));
        Assert.That(same, Is.EqualTo(questions));
    }

    [Test]
    public void Run_TooManyQuestions_Throws()
    {
        using var bundle = ModelBundle.Load(ModelBundle.DefaultFolder);
        var m = bundle.Manifest;
        using var gpu = new VulkanFusion(Device, bundle.Fusion, m.ImageTokens, m.MaxTokens, maxQuestions: 2);
        var q = (new float[m.MaxTokens * m.ModelDim], new float[m.MaxTokens]);
        Assert.That(() => gpu.Run(new float[m.ImageTokens * m.ModelDim], [q, q, q], new float[300], new float[100_000]),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("1..2 questions"));
    }

    [Test]
    public void Create_SharedMemoryTooSmallForOneRow_RefusedWithTheReason()
    {
        // a device whose shared memory cannot hold a row's activations and its attention weights over the
        // image tokens: refused by name, nothing left open
        using var bundle = ModelBundle.Load(ModelBundle.DefaultFolder);
        var m = bundle.Manifest;
        long buffersBefore = Device.LiveBuffers;
        Assert.That(() => new VulkanFusion(Device, bundle.Fusion, m.ImageTokens, m.MaxTokens, maxQuestions: 2, threads: null, sharedBytes: 4096),
            Throws.TypeOf<NotSupportedException>().With.Message.Contains($"{m.ImageTokens} image tokens").And.Message.Contains("shared memory").And.Message.Contains("CPU fusion"));
        Assert.That(Device.LiveBuffers, Is.EqualTo(buffersBefore));
    }
}

/// <summary>The Vulkan fusion on real activations: frames of the test split, all their questions in one dispatch.</summary>
public class VulkanFusionOnTestSplitTests : VulkanFixture
{
    [Test]
    public void Run_TestSplitFrames_SameAnswersAsReference()
    {
        using var bundle = ModelBundle.Load(ModelBundle.DefaultFolder);
        var m = bundle.Manifest;
        var reference = new FusionReference(bundle.Fusion);
        using var gpu = new VulkanFusion(Device, bundle.Fusion, m.ImageTokens, m.MaxTokens, maxQuestions: 10);
        using var pre = new RealtimeMM.Preprocess.CpuPreprocessor(bundle.Preprocess);
        var options = new RealtimeMM.Scenes.SceneOptions { Width = 320, Height = 240, FavoredPairs = m.HoldoutPairs };
        int total = 0, same = 0;
        double worstLogit = 0, worstAttention = 0;
        for (int i = 0; i < 3; i++)
        {
            var scene = RealtimeMM.Scenes.SceneGenerator.Render(2, i, options);
            pre.Run(new RealtimeMM.Frames.ImageView(scene.Bgr, 320, 240, 960), bundle.Vision.Input);
            bundle.Vision.Run();
            var image = (float[])bundle.Vision.Outputs[0].Clone();
            var questions = scene.Questions.Take(10).Select(q =>
            {
                bundle.Tokenizer.Encode(q.Question, bundle.Text.Input);
                bundle.Text.Run();
                return ((float[])bundle.Text.Outputs[0].Clone(), bundle.Text.Input.Select(t => t != 0 ? 1f : 0f).ToArray());
            }).ToList();
            int mapSize = m.FusionLayers * m.Heads * m.ImageTokens;
            var logits = new float[questions.Count * m.Answers.Length];
            var attention = new float[questions.Count * mapSize];
            gpu.Run(image, questions, logits, attention);
            var keys = reference.PrepareImage(image, m.ImageTokens);
            for (int q = 0; q < questions.Count; q++)
            {
                var el = new float[m.Answers.Length];
                var ea = new float[mapSize];
                reference.Run(keys, questions[q].Item1, questions[q].Item2, el, ea);
                var gl = logits.AsSpan(q * m.Answers.Length, m.Answers.Length).ToArray();
                var ga = attention.AsSpan(q * mapSize, mapSize).ToArray();
                worstLogit = Math.Max(worstLogit, el.Zip(gl).Max(z => Math.Abs(z.First - z.Second)));
                worstAttention = Math.Max(worstAttention, ea.Zip(ga).Max(z => Math.Abs(z.First - z.Second)));
                total++;
                if (Array.IndexOf(el, el.Max()) == Array.IndexOf(gl, gl.Max()))
                    same++;
            }
        }
        TestContext.Out.WriteLine($"{total} test-split questions: same answer {same}/{total}; max |Δlogit| {worstLogit:E2}, max |Δattention| {worstAttention:E2}");
        Assert.That(same, Is.EqualTo(total));
        Assert.That(worstLogit, Is.LessThanOrEqualTo(1e-3));
        Assert.That(worstAttention, Is.LessThanOrEqualTo(1e-4));
    }
}

/// <summary>A frame's questions answered in one Vulkan fusion batch, against the C# path one at a time.</summary>
public class BatchedQuestionsTests : VulkanFixture
{
    [Test]
    public void AskMany_OnVulkan_SameAsOneByOneOnTheCpu_AndCompareFusionAgrees()
    {
        using var bundle = ModelBundle.Load(ModelBundle.DefaultFolder);
        using var gpu = new QuestionAnswerer(bundle, Device, ownsBundle: false);
        using var cpu = new QuestionAnswerer(bundle, (RealtimeMM.Gpu.VulkanDevice?)null, ownsBundle: false);
        var scene = RealtimeMM.Scenes.SceneGenerator.Render(2, 7, new RealtimeMM.Scenes.SceneOptions { Width = 320, Height = 240 });
        var view = new RealtimeMM.Frames.ImageView(scene.Bgr, 320, 240, 960);
        var questions = scene.Questions.Select(q => q.Question).Append("").Append("what color is the unicorn").ToList();
        var batched = gpu.AskMany(gpu.Encode(view), questions);
        var cpuFrame = cpu.Encode(view);
        double worst = 0;
        for (int i = 0; i < questions.Count; i++)
        {
            var single = cpu.Ask(cpuFrame, questions[i]);
            Assert.That(batched[i].Text, Is.EqualTo(single.Text), questions[i]);
            if (single.Probabilities is { } p)
                worst = Math.Max(worst, p.Zip(batched[i].Probabilities!).Max(z => Math.Abs(z.First - z.Second)));
        }
        var (dLogit, dAttention, same, n) = RealtimeMM.Cli.Commands.FusionCheck.Compare(gpu, gpu.Encode(view), questions);
        TestContext.Out.WriteLine($"{questions.Count} questions in one batch: same answers as the CPU one by one; max |probability diff| {worst:E2}; CompareFusion: {same}/{n} same, logits {dLogit:E2}, attention {dAttention:E2}");
        Assert.That(worst, Is.LessThan(1e-3));
        Assert.That(same, Is.EqualTo(n));
        Assert.That(dLogit, Is.LessThanOrEqualTo(1e-3));
        Assert.That(dAttention, Is.LessThanOrEqualTo(1e-4));
        Assert.That(() => RealtimeMM.Cli.Commands.FusionCheck.Compare(cpu, cpuFrame, questions), Throws.InvalidOperationException);

        // a disposed frame's token copy becomes the next frame's: its answers are still the CPU's
        gpu.Encode(view).Dispose();
        var next = RealtimeMM.Scenes.SceneGenerator.Render(2, 8, new RealtimeMM.Scenes.SceneOptions { Width = 320, Height = 240 });
        var nextView = new RealtimeMM.Frames.ImageView(next.Bgr, 320, 240, 960);
        var nextQuestions = next.Questions.Select(q => q.Question).ToList();
        using var reused = gpu.Encode(nextView);
        using var nextCpu = cpu.Encode(nextView);
        Assert.That(gpu.AskMany(reused, nextQuestions).Select(a => a.Text), Is.EqualTo(cpu.AskMany(nextCpu, nextQuestions).Select(a => a.Text)));
    }

    [Test]
    public void Answerer_BundleTheVulkanFusionCannotRun_FusionOnTheCpuWithOneWarning_RefusedWhenVulkanIsRequired()
    {
        // 64 heads of width 2: the CPU fusion runs it, the Vulkan fusion (keys read as vec4) cannot
        var dir = BundleCopy.Make(Temp, j => j["dims"]!["heads"] = 64);
        using var bundle = ModelBundle.Load(dir);
        var warnings = new List<string>();
        using var shared = new QuestionAnswerer(bundle, Device, ownsBundle: false, warn: warnings.Add);
        using var cpu = new QuestionAnswerer(bundle, (RealtimeMM.Gpu.VulkanDevice?)null, ownsBundle: false);
        TestContext.Out.WriteLine(string.Join("\n", warnings));
        Assert.That(warnings, Has.Count.EqualTo(1));
        Assert.That(warnings[0], Does.Contain("head width").And.Contain("fusion runs on the CPU"));
        Assert.That(shared.Device, Does.StartWith("vulkan:"));
        Assert.That(shared.FusionDevice, Is.EqualTo("cpu"));
        var scene = RealtimeMM.Scenes.SceneGenerator.Render(2, 3, new RealtimeMM.Scenes.SceneOptions { Width = 320, Height = 240 });
        var view = new RealtimeMM.Frames.ImageView(scene.Bgr, 320, 240, 960);
        var questions = scene.Questions.Select(q => q.Question).ToList();
        var (a, b) = (shared.AskMany(shared.Encode(view), questions), cpu.AskMany(cpu.Encode(view), questions));
        Assert.That(a.Select(x => x.Text), Is.EqualTo(b.Select(x => x.Text)));
        Assert.That(() => new QuestionAnswerer(bundle, RealtimeMM.Gpu.DevicePreference.Vulkan, ownsBundle: false),
            Throws.TypeOf<NotSupportedException>().With.Message.Contains("head width"));
    }
}
