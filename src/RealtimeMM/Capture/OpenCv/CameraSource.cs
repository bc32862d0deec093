using System.Diagnostics;
using OpenCvSharp;
using RealtimeMM.Frames;

namespace RealtimeMM.Capture.OpenCv;

/// <summary>A V4L2 camera by index or device path. Timestamps are the monotonic clock since open.</summary>
internal sealed class CameraSource : FrameSourceBase
{
    readonly VideoCapture capture;
    readonly Mat mat = new();
    readonly long openTicks = Stopwatch.GetTimestamp();

    public CameraSource(string spec, FrameSourceOptions options) : base(Pacing.AsFastAsPossible)
    {
        string device = int.TryParse(spec, out int index) ? $"/dev/video{index}" : spec;
        if (!File.Exists(device))
        {
            var found = Cameras.DevicePaths();
            throw new FrameSourceException(spec, $"no such camera ({device} does not exist; cameras found: {(found.Count == 0 ? "none" : string.Join(", ", found))})");
        }
        MatFrames.QuietLogs();
        capture = new VideoCapture(device, VideoCaptureAPIs.V4L2);
        try
        {
            if (!capture.IsOpened())
                throw new FrameSourceException(spec, $"cannot open {device} (busy, no permission, or not a capture device)");
            if (options.CameraSize is var (w, h))
            {
                capture.FrameWidth = w;
                capture.FrameHeight = h;
            }
            if (!capture.Read(mat) || mat.Empty())
                throw new FrameSourceException(spec, $"{device} opened but delivered no frame");
            Info = new FrameSourceInfo(FrameSourceKind.Camera, spec, mat.Cols, mat.Rows, capture.Fps > 0 ? capture.Fps : 0, null);
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
        // The first frame was read at open (to prove the camera works) and is stale now: read a fresh one.
        if (!capture.Read(mat) || mat.Empty())
            throw new FrameSourceException(Info.Name, "camera stopped delivering frames (unplugged or failed)");
        return MatFrames.ToFrame(mat, index, Stopwatch.GetElapsedTime(openTicks));
    }

    private protected override void DisposeCore()
    {
        mat.Dispose();
        capture.Dispose();
    }
}
