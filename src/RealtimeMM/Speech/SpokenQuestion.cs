namespace RealtimeMM.Speech;

/// <summary>A spoken question as the SDK settles on it: the chosen text, what the recogniser ranked first, and why.</summary>
public sealed record SpokenQuestion(string Text, string Raw, double Confidence, string Reason, IReadOnlyList<SpeechHypothesis> Hypotheses, double AudioMs, double DecodeMs)
{
    public bool Heard => Text.Length > 0;

    public static SpokenQuestion Nothing(string reason, double audioMs) => new("", "", 0, reason, [], audioMs, 0);
}
