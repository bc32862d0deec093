namespace RealtimeMM.Search;

/// <summary>
/// An alert's state changed on a frame: <see cref="Raised"/> when what it watches for appeared
/// (held for <see cref="AlertOptions.OnFrames"/> frames), false when it has gone again.
/// </summary>
public sealed record AlertEvent(string Text, bool Raised, long FrameIndex, TimeSpan Timestamp, float Score, Answering.AttentionMap? Attention);
