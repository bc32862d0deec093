using RealtimeMM.Bundle;
using RealtimeMM.Fusion;

namespace RealtimeMM.Answering;

/// <summary>An answer to one question about one frame (the <c>rtmm</c> JSON contract's fields).</summary>
/// <param name="Query">The question as asked.</param>
/// <param name="Text">The answer: a color, a number, yes/no, a position, a class, "there are N Xs", or "I can't answer …".</param>
/// <param name="Confidence">The probability that the answer is right, 0..1 (calibrated on validation data when the bundle has a calibration); low for "can't answer".</param>
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

    /// <summary>Which answerer gave it (<see cref="IAnswerer.Name"/>): "scene-model" is the bundle's cross-attention fusion, and questions refused before any answerer (no words, only filler words) say it too.</summary>
    public string Answerer { get; init; } = "scene-model";

    /// <summary>The question in the world's own words when the normaliser reworded it ("what color is the truck" for "what colour's the lorry"); null when asked as typed.</summary>
    public string? Interpreted { get; init; }

    /// <summary>The question was about "the X" (its color or place) and the model sees no X: the text says "I don't see an X".</summary>
    public bool NotInView { get; init; }

    /// <summary>The calibrated confidence is below the bundle's threshold: the text says "not sure — maybe …" with the best guess.</summary>
    public bool NotSure { get; init; }

    /// <summary>How much the frame looks like the scenes the answerer knows: the share of its validation frames that look stranger (0..1); null without an in-world model.</summary>
    public double? InWorld { get; init; }

    /// <summary>Where the things the answer is about are, one box each in frame pixels (taught examples find them); null when the answerer does not box things.</summary>
    public IReadOnlyList<RealtimeMM.Features.BoxF>? Boxes { get; init; }

    /// <summary>The number of the frame the answer is about, in the order frames were submitted to the session (null outside a session).</summary>
    public long? Frame { get; init; }

    /// <summary>From the frame's submission to the session to this answer (waiting for the worker, encoding, answering); null outside a session.</summary>
    public TimeSpan? Latency { get; init; }

    /// <summary>The frame does not look like the scenes the answerer knows, so it did not answer (<see cref="Reason"/> says why).</summary>
    public bool OutOfWorld { get; init; }

    /// <summary>"I can't answer that about this scene: REASON", at the model's confidence capped at 0.1 (no confidence when the model did not run).</summary>
    internal static Answer CantAnswer(string question, string kind, IReadOnlyDictionary<string, double> timings, string device, string reason,
        AttentionMap? attention = null, float modelConfidence = 0f, string? chosen = null) =>
        new(question, $"I can't answer that about this scene: {reason}", Math.Min(modelConfidence, 0.1f), kind, attention, timings, device, reason, chosen);
}
