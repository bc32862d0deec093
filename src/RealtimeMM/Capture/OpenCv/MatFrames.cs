using OpenCvSharp;
using RealtimeMM.Frames;

namespace RealtimeMM.Capture.OpenCv;

/// <summary>Copies between OpenCV's <see cref="Mat"/> and <see cref="Frame"/>, so Mats never leave this folder.</summary>
internal static class MatFrames
{
    static int logLevelSet;

    /// <summary>OpenCV logs warnings to stderr for conditions we report as exceptions; keep only errors.</summary>
    public static void QuietLogs()
    {
        if (Interlocked.Exchange(ref logLevelSet, 1) == 0)
            Cv2.SetLogLevel(LogLevel.ERROR);
    }

    /// <summary>Copies a BGR24 Mat into a new pooled frame. Does not take ownership of <paramref name="mat"/>.</summary>
    public static unsafe Frame ToFrame(Mat mat, long index, TimeSpan timestamp)
    {
        if (mat.Type() != MatType.CV_8UC3)
            throw new InvalidOperationException($"expected an 8-bit 3-channel image, got {mat.Type()}");
        int stride = (int)mat.Step();
        var span = new ReadOnlySpan<byte>((void*)mat.Data, stride * (mat.Rows - 1) + mat.Cols * 3);
        return Frame.CopyFrom(span, mat.Cols, mat.Rows, stride, index, timestamp);
    }

    /// <summary>
    /// Wraps a frame's pixels as a Mat header without copying. The Mat does not own the pixels:
    /// keep <paramref name="frame"/> alive and undisposed until the Mat is disposed.
    /// </summary>
    public static unsafe Mat Wrap(Frame frame)
    {
        fixed (byte* p = frame.Pixels)
            return Mat.FromPixelData(frame.Height, frame.Width, MatType.CV_8UC3, (nint)p, frame.Stride);
    }
}
