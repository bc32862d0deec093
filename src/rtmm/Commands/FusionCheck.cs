using RealtimeMM.Answering;
using RealtimeMM.Bundle;

namespace RealtimeMM.Cli.Commands;

/// <summary>
/// The fusion's check-and-bench harness (one per kernel, as the preprocessing has its own): the
/// Vulkan fusion against the C# reference on the same inputs. Product code does not carry it;
/// <c>rtmm eval --compare-fusion</c> and the tests do.
/// </summary>
internal static class FusionCheck
{
    /// <summary>
    /// A frame and its questions through both fusions in one batch: the largest logit and attention
    /// differences (every layer and head) and how many answers agree. Only with a Vulkan fusion.
    /// </summary>
    public static (double MaxLogitDiff, double MaxAttentionDiff, int SameAnswers, int Questions) Compare(QuestionAnswerer answerer, FrameEncoding frame, IReadOnlyList<string> questions)
    {
        frame.ThrowIfDisposed();
        var engine = answerer.Engine;
        if (engine.Gpu is not { } gpu || frame.Tokens is null)
            throw new InvalidOperationException("comparing the fusion paths needs the Vulkan device (--device Vulkan)");
        var m = answerer.Bundle.Manifest;
        var texts = questions.Select(answerer.Texts.For).OfType<EncodedText>().Select(t => (t.States, t.Mask)).ToList();
        int mapSize = m.FusionLayers * m.Heads * m.ImageTokens, answers = m.Answers.Length;
        var keys = engine.Reference.PrepareImage(frame.Tokens, m.ImageTokens);
        double worstLogit = 0, worstAttention = 0;
        int same = 0;
        var refLogits = new float[answers];
        var refAttention = new float[mapSize];
        for (int start = 0; start < texts.Count; start += gpu.MaxQuestions)
        {
            int n = Math.Min(gpu.MaxQuestions, texts.Count - start);
            var logits = new float[n * answers];
            var attention = new float[n * mapSize];
            gpu.Run(frame.Tokens, texts.Skip(start).Take(n).ToList(), logits, attention);
            for (int k = 0; k < n; k++)
            {
                engine.Reference.Run(keys, texts[start + k].States, texts[start + k].Mask, refLogits, refAttention);
                var got = logits.AsSpan(k * answers, answers);
                for (int a = 0; a < answers; a++)
                    worstLogit = Math.Max(worstLogit, Math.Abs(got[a] - refLogits[a]));
                var gotAttention = attention.AsSpan(k * mapSize, mapSize);
                for (int a = 0; a < mapSize; a++)
                    worstAttention = Math.Max(worstAttention, Math.Abs(gotAttention[a] - refAttention[a]));
                if (ArgMax(got) == ArgMax(refLogits))
                    same++;
            }
        }
        return (worstLogit, worstAttention, same, texts.Count);
    }

    static int ArgMax(ReadOnlySpan<float> v)
    {
        int best = 0;
        for (int i = 1; i < v.Length; i++)
            if (v[i] > v[best])
                best = i;
        return best;
    }
}
