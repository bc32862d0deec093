using RealtimeMM.Capture;
using RealtimeMM.Capture.OpenCv;
using RealtimeMM.Frames;
using RealtimeMM.Replay;

namespace RealtimeMM.Sources;

/// <summary>
/// Opens any frame source from one string, the way a user names it: a camera, a stream, a video
/// file, an image folder (Capture) or a replay clip (Replay). It sits above both rooms, so neither
/// imports the other's way back: Replay builds on Capture, Capture knows nothing of Replay.
/// </summary>
public static class FrameSource
{
    static readonly string[] StreamSchemes = ["rtsp", "rtsps", "rtmp", "http", "https", "udp", "tcp", "srt"];

    /// <summary>
    /// What <paramref name="spec"/> names: a camera (<c>0</c>, <c>/dev/video0</c>), a stream URL, a
    /// replay clip (a folder with <c>clip.json</c>, or that file), an image folder, or a video file.
    /// </summary>
    public static FrameSourceKind Classify(string spec)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(spec);
        if (int.TryParse(spec, out int index) && index >= 0 || spec.StartsWith("/dev/video", StringComparison.Ordinal))
            return FrameSourceKind.Camera;
        int colon = spec.IndexOf("://", StringComparison.Ordinal);
        if (colon > 0 && StreamSchemes.Contains(spec[..colon].ToLowerInvariant()))
            return FrameSourceKind.Stream;
        if (ReplayClip.IsClip(spec))
            return FrameSourceKind.ReplayClip;
        if (Directory.Exists(spec))
            return FrameSourceKind.ImageFolder;
        return FrameSourceKind.VideoFile;
    }

    /// <summary>Opens the source <paramref name="spec"/> names (see <see cref="Classify"/>).</summary>
    /// <exception cref="FrameSourceException">The source is missing, unreadable or unreachable.</exception>
    public static IFrameSource Open(string spec, FrameSourceOptions? options = null)
    {
        options ??= new FrameSourceOptions();
        options.Validate();
        return Classify(spec) switch
        {
            FrameSourceKind.Camera => new CameraSource(spec, options),
            FrameSourceKind.Stream => new FfmpegStreamSource(spec, options),
            FrameSourceKind.ReplayClip => ReplayClip.Open(spec, options),
            FrameSourceKind.ImageFolder => new ImageFolderSource(spec, options),
            _ => new VideoFileSource(spec, options),
        };
    }

    /// <summary>Loads one still image as a frame (the caller owns it).</summary>
    /// <exception cref="FrameSourceException">The file is missing or not an image.</exception>
    public static Frames.Frame LoadImage(string path)
    {
        if (!File.Exists(path))
            throw new FrameSourceException(path, "file not found");
        return ImageFolderSource.LoadFrame(path);
    }

    /// <summary>Camera device nodes on this machine that open and deliver a frame.</summary>
    public static IReadOnlyList<(string Device, int Width, int Height)> FindCameras() => Cameras.Probe();

    /// <summary>Pumps the source that <paramref name="spec"/> names into <paramref name="slot"/>, reconnecting cameras and streams (see <see cref="Open"/> and <see cref="FramePump"/>).</summary>
    public static FramePump Pump(string spec, FrameSlot slot, FrameSourceOptions? options = null, ReconnectPolicy? policy = null, Action<FramePumpEvent>? onEvent = null) =>
        new(() => Open(spec, options), spec, Classify(spec) is FrameSourceKind.Camera or FrameSourceKind.Stream, slot, policy, onEvent);
}
