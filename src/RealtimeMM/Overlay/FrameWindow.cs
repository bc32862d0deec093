using OpenCvSharp;
using RealtimeMM.Capture.OpenCv;
using RealtimeMM.Frames;

namespace RealtimeMM.Overlay;

/// <summary>An OpenCV HighGUI window (GTK3; runs under Xvfb without a display). One owner; dispose closes it.</summary>
public sealed class FrameWindow : IDisposable
{
    readonly string title;
    bool closed;

    public FrameWindow(string title)
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DISPLAY")) && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("WAYLAND_DISPLAY")))
            throw new PlatformNotSupportedException("no display (DISPLAY is not set): run headless, or under xvfb-run");
        this.title = title;
        MatFrames.QuietLogs();
        Cv2.NamedWindow(title, WindowFlags.AutoSize);
    }

    /// <summary>True when a display is available for windows.</summary>
    public static bool DisplayAvailable =>
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DISPLAY")) || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("WAYLAND_DISPLAY"));

    /// <summary>GTK's code for the F2 key, as <see cref="Show"/> returns it.</summary>
    public const int F2 = 0xFFBF;

    /// <summary>
    /// Shows a frame and pumps window events for up to <paramref name="waitMs"/>; returns the key
    /// pressed or -1: ASCII for text keys, the full code for others (<see cref="F2"/>).
    /// </summary>
    public int Show(Frame frame, int waitMs = 1)
    {
        ObjectDisposedException.ThrowIf(closed, this);
        using (var mat = MatFrames.Wrap(frame))
            Cv2.ImShow(title, mat);
        return Cv2.WaitKeyEx(Math.Max(1, waitMs));
    }

    public void Dispose()
    {
        if (closed)
            return;
        closed = true;
        Cv2.DestroyWindow(title);
        Cv2.WaitKey(1);
    }
}
