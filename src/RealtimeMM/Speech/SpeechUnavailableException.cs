namespace RealtimeMM.Speech;

/// <summary>Speech recognition could not start: a missing library, acoustic model or a grammar the dictionary cannot spell.</summary>
public sealed class SpeechUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
