using OpenCvSharp;
using RealtimeMM.Capture.OpenCv;
using RealtimeMM.Frames;

namespace RealtimeMM.Overlay;

/// <summary>An OpenCV HighGUI window (GTK3; runs under Xvfb without a display). One owner; dispose closes it.</summary>
public sealed class FrameWindow : IDisposable
{
    readonly string title;
    bool closed;
    MouseCallback? onMouse; // kept alive while native code holds it
    readonly object boxGate = new();
    (int X, int Y)? dragFrom;
    (int X, int Y) dragTo;
    Features.BoxF? dragged;

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

    /// <summary>
    /// Lets the user drag boxes with the left mouse button (in the pixels of the frames shown):
    /// <see cref="Dragging"/> while the button is down, <see cref="TakeBox"/> once it is released.
    /// </summary>
    public void EnableBoxes()
    {
        ObjectDisposedException.ThrowIf(closed, this);
        onMouse = (e, x, y, _, _) =>
        {
            lock (boxGate)
            {
                switch (e)
                {
                    case MouseEventTypes.LButtonDown:
                        dragFrom = (x, y);
                        dragTo = (x, y);
                        break;
                    case MouseEventTypes.MouseMove when dragFrom is not null:
                        dragTo = (x, y);
                        break;
                    case MouseEventTypes.LButtonUp when dragFrom is { } from:
                        dragTo = (x, y);
                        var box = Box(from, dragTo);
                        dragFrom = null;
                        if (box.Width >= 4 && box.Height >= 4) // a click is not a box
                            dragged = box;
                        break;
                }
            }
        };
        Cv2.SetMouseCallback(title, onMouse);
    }

    /// <summary>The box being dragged now, or null.</summary>
    public Features.BoxF? Dragging
    {
        get
        {
            lock (boxGate)
                return dragFrom is { } from ? Box(from, dragTo) : null;
        }
    }

    /// <summary>The last box dragged since the previous call, or null.</summary>
    public Features.BoxF? TakeBox()
    {
        lock (boxGate)
        {
            var box = dragged;
            dragged = null;
            return box;
        }
    }

    static Features.BoxF Box((int X, int Y) a, (int X, int Y) b) =>
        new(Math.Min(a.X, b.X), Math.Min(a.Y, b.Y), Math.Abs(a.X - b.X), Math.Abs(a.Y - b.Y));

    public void Dispose()
    {
        if (closed)
            return;
        closed = true;
        Cv2.DestroyWindow(title);
        Cv2.WaitKey(1);
    }
}
