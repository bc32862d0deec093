using RealtimeMM.Frames;

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
        var view = bgr.AsImageView(); // checks it is 8-bit, 3-channel BGR
        session.SubmitFrame(view.Pixels, view.Width, view.Height, view.Stride);
    }
}
