namespace RealtimeMM.Models;

/// <summary>Where the model looked: the [CLS] token's cross-attention over the patch grid (last layer, mean over heads).</summary>
/// <param name="Values">GridHeight rows of GridWidth values, summing to at most 1 (the rest went to the null token).</param>
/// <param name="PeakX">Center of the strongest cell, in source-frame pixels.</param>
public sealed record AttentionMap(int GridWidth, int GridHeight, float[] Values, double PeakX, double PeakY);

/// <summary>An answer to one question about one frame (the <c>rtmm</c> JSON contract's fields).</summary>
/// <param name="Query">The question as asked.</param>
/// <param name="Text">The answer: a color, a number, yes/no, a position, a class, "there are N Xs", or "I can't answer …".</param>
/// <param name="Confidence">The model's probability for that answer, 0..1; low for "can't answer".</param>
/// <param name="Kind">color, count, exist, position, identify, or unknown.</param>
/// <param name="Reason">Why it could not answer, when it could not.</param>
/// <param name="ModelAnswer">The entry of the answer vocabulary the model chose (null when the model did not run).</param>
public sealed record Answer(string Query, string Text, float Confidence, string Kind, AttentionMap? Attention,
    IReadOnlyDictionary<string, double> TimingsMs, string Device, string? Reason = null, string? ModelAnswer = null)
{
    /// <summary>The model's probabilities over the answer vocabulary (null when it did not run).</summary>
    public float[]? Probabilities { get; init; }

    /// <summary>True when the model gave an answer about the scene (not a "can't answer").</summary>
    public bool Answered => Reason is null;
}
