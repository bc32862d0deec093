using System.Text.Json;
using System.Text.Json.Serialization;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;

namespace RealtimeMM.Answering;

/// <summary>
/// How much a frame looks like the scenes a model knows. A logistic regression over the frame's
/// vision features (<see cref="Features"/>: the mean and spread of its patch tokens and its image
/// embedding), fitted on validation scenes against frames the world does not have (photos,
/// blank, noise and heavily blurred frames; never a test set), gives the frame a logit; the score is
/// the share of held-apart validation scenes whose logit is lower. 0.4 means 40% of known scenes
/// look stranger than this frame; a frame is flagged below <see cref="FlagBelow"/> (0.005: one
/// known scene in 200 would be).
/// </summary>
/// <param name="Regression">Validation scenes against out-of-world frames, over <see cref="Features"/>.</param>
/// <param name="HeldOutLogits">The logits of held-apart validation scenes, ascending.</param>
public sealed record InWorldModel(LogisticRegression Regression, float[] HeldOutLogits, float FlagBelow)
{
    /// <summary>The features of a frame: mean and standard deviation over its vision tokens (model dim each), then its embedding.</summary>
    /// <param name="tokens">The vision encoder's tokens, <paramref name="count"/> rows of <paramref name="dim"/> values.</param>
    public static float[] Features(ReadOnlySpan<float> tokens, int count, int dim, ReadOnlySpan<float> embedding)
    {
        var f = new float[2 * dim + embedding.Length];
        var mean = f.AsSpan(0, dim);
        var spread = f.AsSpan(dim, dim);
        for (int t = 0; t < count; t++)
        {
            var row = tokens.Slice(t * dim, dim);
            for (int i = 0; i < dim; i++)
            {
                mean[i] += row[i];
                spread[i] += row[i] * row[i];
            }
        }
        for (int i = 0; i < dim; i++)
        {
            mean[i] /= count;
            spread[i] = MathF.Sqrt(Math.Max(0, spread[i] / count - mean[i] * mean[i]));
        }
        embedding.CopyTo(f.AsSpan(2 * dim));
        return f;
    }

    /// <summary>The logistic regression's logit: higher is more like the known scenes.</summary>
    public double Logit(ReadOnlySpan<float> features) => Regression.Logit(features);

    /// <summary>The in-world score of a frame's features: the share of held-apart validation scenes with a lower logit, 0..1.</summary>
    public double Score(ReadOnlySpan<float> features)
    {
        double z = Logit(features);
        int lo = 0, hi = HeldOutLogits.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (HeldOutLogits[mid] < z)
                lo = mid + 1;
            else
                hi = mid;
        }
        return (double)lo / HeldOutLogits.Length;
    }
}
