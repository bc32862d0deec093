namespace RealtimeMM.Replay;

/// <summary>
/// A clip cannot be written where it was asked to go: the folder exists, is a file, cannot be
/// created, or a frame or the video cannot be written (no space, no permission). One line naming the path.
/// </summary>
public sealed class ClipOutputException(string message, Exception? inner = null) : IOException(message, inner);
