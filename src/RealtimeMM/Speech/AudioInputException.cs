namespace RealtimeMM.Speech;

/// <summary>The input could not be opened or read: the message names the device or file and what to do.</summary>
public sealed class AudioInputException(string message) : IOException(message);
