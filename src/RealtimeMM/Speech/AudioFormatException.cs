namespace RealtimeMM.Speech;

/// <summary>A WAV file that cannot be read as audio: the message names the file and the problem.</summary>
public sealed class AudioFormatException(string message) : FormatException(message);
