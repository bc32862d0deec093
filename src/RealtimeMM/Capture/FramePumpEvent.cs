namespace RealtimeMM.Capture;

/// <summary>An event of <see cref="FramePump"/>: connection changes, with the error and the next retry's wait.</summary>
public sealed record FramePumpEvent(FramePumpEventKind Kind, string Source, int Attempt = 0, TimeSpan Delay = default, Exception? Error = null)
{
    public override string ToString() => Kind switch
    {
        FramePumpEventKind.Reconnecting => $"{Source}: reconnecting (attempt {Attempt}) in {Delay.TotalMilliseconds:F0} ms",
        FramePumpEventKind.Dropped or FramePumpEventKind.Failed => $"{Source}: {Kind.ToString().ToLowerInvariant()}: {Error?.Message}",
        _ => $"{Source}: {Kind.ToString().ToLowerInvariant()}",
    };
}
