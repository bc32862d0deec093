namespace RealtimeMM.Capture;

/// <summary>What a source is, as known once it is open.</summary>
/// <param name="Kind">The kind of source.</param>
/// <param name="Name">The spec it was opened from (path, URL or camera), for messages.</param>
/// <param name="Width">Frame width in pixels.</param>
/// <param name="Height">Frame height in pixels.</param>
/// <param name="Fps">Nominal frames per second (0 when the source does not say).</param>
/// <param name="FrameCount">Number of frames for recorded sources, null for live ones.</param>
public sealed record FrameSourceInfo(FrameSourceKind Kind, string Name, int Width, int Height, double Fps, long? FrameCount)
{
    /// <summary>Cameras and streams: they can drop and come back, and are worth reconnecting to.</summary>
    public bool IsLive => Kind is FrameSourceKind.Camera or FrameSourceKind.Stream;
}
