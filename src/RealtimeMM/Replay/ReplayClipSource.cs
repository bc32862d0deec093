using RealtimeMM.Capture;
using RealtimeMM.Capture.OpenCv;
using RealtimeMM.Frames;

namespace RealtimeMM.Replay;

/// <summary>
/// Plays a recorded clip frame-exactly: the frames of its video in order, stamped with the
/// sidecar's timestamps, with each frame's ground truth at hand through <see cref="Truth"/>.
/// A video that has more or fewer frames than the sidecar lists is an error, not a silent trim.
/// </summary>
public sealed class ReplayClipSource : FrameSourceBase
{
    readonly FrameSourceBase frames;
    readonly string sidecarPath;
    readonly string videoPath;

    internal ReplayClipSource(string spec, string sidecarPath, ClipSidecar sidecar, FrameSourceOptions options) : base(options.Pacing)
    {
        this.sidecarPath = sidecarPath;
        Sidecar = sidecar;
        var folder = Path.GetDirectoryName(Path.GetFullPath(sidecarPath))!;
        videoPath = Path.Combine(folder, sidecar.Video);
        var inner = options with { Pacing = Pacing.AsFastAsPossible, ImageFolderFps = sidecar.Fps };
        if (Directory.Exists(videoPath))
            frames = new ImageFolderSource(videoPath, inner);
        else if (File.Exists(videoPath))
            frames = new VideoFileSource(videoPath, inner);
        else
            throw new ReplayFormatException(sidecarPath, $"video: \"{sidecar.Video}\" does not exist in the clip folder");
        try
        {
            var fi = frames.Info;
            if (fi.Width != sidecar.Width || fi.Height != sidecar.Height)
                throw new ReplayFormatException(sidecarPath, $"width/height: sidecar says {sidecar.Width}x{sidecar.Height}, {sidecar.Video} is {fi.Width}x{fi.Height}");
            if (fi.FrameCount is long n && n != sidecar.FrameCount)
                throw new ReplayFormatException(sidecarPath, $"frame_count: sidecar says {sidecar.FrameCount} frames, {sidecar.Video} has {n}");
        }
        catch
        {
            frames.Dispose();
            throw;
        }
        Info = new FrameSourceInfo(FrameSourceKind.ReplayClip, spec, sidecar.Width, sidecar.Height, sidecar.Fps, sidecar.FrameCount);
    }

    public override FrameSourceInfo Info { get; }

    /// <summary>The validated sidecar.</summary>
    public ClipSidecar Sidecar { get; }

    /// <summary>Ground truth of frame <paramref name="index"/>.</summary>
    public FrameTruth Truth(long index) => Sidecar.Frames[index];

    private protected override Frame? ReadCore(long index, CancellationToken cancellationToken)
    {
        if (index >= Sidecar.FrameCount)
        {
            using var extra = frames.Read(cancellationToken);
            if (extra is not null)
                throw new ReplayFormatException(sidecarPath, $"frame_count: sidecar lists {Sidecar.FrameCount} frames, {Sidecar.Video} has more");
            return null;
        }
        var frame = frames.Read(cancellationToken)
            ?? throw new ReplayFormatException(sidecarPath, $"frame_count: sidecar lists {Sidecar.FrameCount} frames, {Sidecar.Video} ends after {index} (truncated?)");
        frame.Timestamp = Sidecar.Frames[index].Timestamp;
        return frame;
    }

    private protected override void DisposeCore() => frames.Dispose();
}
