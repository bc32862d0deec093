namespace RealtimeMM.Speech;

/// <summary>One hypothesis of the recogniser: its words and its path score (natural log).</summary>
public sealed record SpeechHypothesis(string Text, double LogScore);
