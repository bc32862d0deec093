using RealtimeMM.Models;
using RealtimeMM.Tests.Gpu;

namespace RealtimeMM.Tests.Models;

/// <summary>The fusion kernels against the C# reference, on lavapipe with validation on.</summary>
public class VulkanFusionTests : VulkanFixture
{
    [TestCase(1)]
    [TestCase(5)]
    public void Run_SeveralQuestionsInOneDispatch_MatchesReference(int questions)
    {
        using var bundle = ModelBundle.Load(ModelBundle.DefaultFolder);
        var m = bundle.Manifest;
        var reference = new FusionReference(bundle.Fusion);
        using var gpu = new VulkanFusion(Device, bundle.Fusion, m.ImageTokens, m.MaxTokens, maxQuestions: 8);
        var rng = new Random(questions);
        float[] Random(int n, double amplitude) => Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 2 - 1) * amplitude)).ToArray();
        var image = Random(m.ImageTokens * m.ModelDim, 1.5);
        var qs = Enumerable.Range(0, questions).Select(i =>
        {
            int words = 1 + rng.Next(m.MaxTokens - 1);
            return (Random(m.MaxTokens * m.ModelDim, 1.5), Enumerable.Range(0, m.MaxTokens).Select(t => t <= words ? 1f : 0f).ToArray());
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
        TestContext.Out.WriteLine($"{questions} question(s): max |vulkan - reference| logits {worstLogit:E2}, attention {worstAttention:E2}; same answer {same}/{questions}; kernel {gpu.LastKernelMs:F2} ms (lavapipe)");
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
}
