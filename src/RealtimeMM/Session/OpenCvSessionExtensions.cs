namespace RealtimeMM.Session;

/// <summary>
/// The OpenCV adapter beside <see cref="RealtimeSession"/>: the session's own surface takes plain
/// pixels (a span or a pointer, BGR24) so an engine needs no OpenCV types; an app that has OpenCV
/// images submits them here.
/// </summary>
public static class OpenCvSessionExtensions
{
    /// <summary>Submits an OpenCV image (8-bit, 3 channels, BGR).</summary>
    public static void SubmitFrame(this RealtimeSession session, OpenCvSharp.Mat bgr)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(bgr);
        if (bgr.Type() != OpenCvSharp.MatType.CV_8UC3)
            throw new ArgumentException($"the Mat is {bgr.Type()}; RealtimeMM takes 8-bit, 3-channel BGR (CV_8UC3)", nameof(bgr));
        session.SubmitFrame(bgr.Data, bgr.Width, bgr.Height, (int)bgr.Step());
    }
}
