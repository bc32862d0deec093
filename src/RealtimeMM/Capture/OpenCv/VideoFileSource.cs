using OpenCvSharp;
using RealtimeMM.Frames;

namespace RealtimeMM.Capture.OpenCv;

/// <summary>A video file decoded by OpenCV's bundled FFmpeg. Timestamps are index / fps.</summary>
internal sealed class VideoFileSource : FrameSourceBase
{
    readonly VideoCapture capture;
    readonly Mat mat = new();
    readonly double fps;
    Frame? first; // decoded at open to prove the file is a video, handed out by the first Read

    public VideoFileSource(string path, FrameSourceOptions options) : base(options.Pacing)
    {
        if (Directory.Exists(path))
            throw new FrameSourceException(path, "is a folder, not a video file");
        if (!File.Exists(path))
            throw new FrameSourceException(path, "file not found");
        if (new FileInfo(path).Length == 0)
            throw new FrameSourceException(path, "file is empty (0 bytes)");
        MatFrames.QuietLogs();
        capture = new VideoCapture(path, VideoCaptureAPIs.FFMPEG);
        try
        {
            if (!capture.IsOpened())
                throw new FrameSourceException(path, "cannot be opened as a video (not a video file, or corrupt)");
            fps = capture.Fps is > 0 and < 1000 ? capture.Fps : 30;
            long count = capture.FrameCount;
            if (!capture.Read(mat) || mat.Empty())
                throw new FrameSourceException(path, "has no decodable frames (corrupt or truncated)");
            Info = new FrameSourceInfo(FrameSourceKind.VideoFile, path, mat.Cols, mat.Rows, fps, count > 0 ? count : null);
            first = MatFrames.ToFrame(mat, 0, TimeSpan.Zero);
        }
        catch
        {
            mat.Dispose();
            capture.Dispose();
            throw;
        }
    }

    public override FrameSourceInfo Info { get; }

    private protected override Frame? ReadCore(long index, CancellationToken cancellationToken)
    {
        if (first is not null)
        {
            var f = first;
            first = null;
            return f;
        }
        if (!capture.Read(mat) || mat.Empty())
        {
            // The container's count can be an estimate (duration x fps): allow a little slack.
            if (Info.FrameCount is long expected && index < expected - Math.Max(2, expected / 50))
                throw new FrameSourceException(Info.Name, $"video ends at frame {index} but its header says {expected} frames (truncated or corrupt)");
            return null;
        }
        if (mat.Cols != Info.Width || mat.Rows != Info.Height)
            throw new FrameSourceException(Info.Name, $"frame {index} is {mat.Cols}x{mat.Rows}, the video started at {Info.Width}x{Info.Height}");
        return MatFrames.ToFrame(mat, index, TimeSpan.FromSeconds(index / fps));
    }

    private protected override void DisposeCore()
    {
        first?.Dispose();
        mat.Dispose();
        capture.Dispose();
    }
}
