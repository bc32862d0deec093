namespace RealtimeMM.Speech;

/// <summary>What was heard in one utterance: the best hypotheses, best first, and the cost.</summary>
public sealed record SpeechResult(IReadOnlyList<SpeechHypothesis> Hypotheses, double AudioMs, double DecodeMs)
{
    public string Text => Hypotheses.Count > 0 ? Hypotheses[0].Text : "";
    public double RealTimeFactor => AudioMs > 0 ? DecodeMs / AudioMs : 0;
}
