namespace RealtimeMM.Capture;

/// <summary>What happened to a pumped source.</summary>
public enum FramePumpEventKind
{
    Connected,
    Dropped,
    Reconnecting,
    Ended,
    Failed,
}
