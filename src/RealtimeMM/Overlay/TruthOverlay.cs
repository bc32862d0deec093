using OpenCvSharp;
using RealtimeMM.Capture.OpenCv;
using RealtimeMM.Frames;
using RealtimeMM.Replay;

namespace RealtimeMM.Overlay;

/// <summary>
/// Draws a frame's ground truth (boxes, class and color labels), a caption and a status line onto
/// a copy of the frame, for the demo and for inspecting clips. Model answers and attention
/// heatmaps are drawn by the fusion overlay, not here.
/// </summary>
public static class TruthOverlay
{
    /// <summary>
    /// Returns an annotated copy of <paramref name="frame"/> (the caller owns it; the input is not
    /// changed). <paramref name="caption"/> goes at the bottom (lines split on '\n'), <paramref name="status"/> at the top left;
    /// a line wider than the frame wraps at its spaces, so every line reads whole at any frame size.
    /// </summary>
    public static Frame Draw(Frame frame, FrameTruth? truth, string? caption = null, string? status = null)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var copy = frame.Clone(frame.Index, frame.Timestamp);
        using var mat = MatFrames.Wrap(copy);
        double scale = Math.Max(0.35, frame.Height / 600.0);
        int thick = Math.Max(1, frame.Height / 300);
        foreach (var o in truth?.Objects ?? [])
        {
            var color = LabelColor(o.Color);
            var rect = new Rect(o.Box.X, o.Box.Y, o.Box.Width, o.Box.Height);
            Cv2.Rectangle(mat, rect, color, thick);
            int labelY = o.Box.Y >= 14 ? o.Box.Y - 3 : Math.Min(o.Box.Bottom + 12, frame.Height - 2); // below the box at the top edge
            Label(mat, $"{o.Color} {o.Class}", new Point(o.Box.X, labelY), scale, color);
        }
        if (status is not null)
        {
            var lines = Wrap(status, scale, frame.Width - 8);
            int step = (int)Math.Ceiling(30 * scale);
            for (int i = 0; i < lines.Count; i++)
                Label(mat, lines[i], new Point(4, (int)(14 * scale / 0.4) + i * step), scale, Scalar.White);
        }
        if (caption is not null)
        {
            // one line per '\n' (wrapped when wider than the frame), the last at the bottom edge
            var lines = caption.Split('\n').SelectMany(l => Wrap(l, scale * 1.1, frame.Width - 8)).ToList();
            int step = (int)Math.Ceiling(30 * scale * 1.1);
            for (int i = 0; i < lines.Count; i++)
                Label(mat, lines[i], new Point(4, frame.Height - 6 - (lines.Count - 1 - i) * step), scale * 1.1, Scalar.White);
        }
        return copy;
    }

    /// <summary>
    /// A line of text broken at its spaces into lines no wider than <paramref name="width"/> pixels at
    /// <paramref name="scale"/> (a single word wider than that stands on its own line).
    /// </summary>
    internal static List<string> Wrap(string text, double scale, int width)
    {
        var lines = new List<string>();
        string current = "";
        foreach (var word in text.Split(' '))
        {
            string candidate = current.Length == 0 ? word : current + " " + word;
            if (current.Length > 0 && Cv2.GetTextSize(candidate, HersheyFonts.HersheySimplex, scale, 3, out _).Width > width)
            {
                lines.Add(current);
                current = word;
            }
            else
                current = candidate;
        }
        lines.Add(current);
        return lines;
    }

    static void Label(Mat mat, string text, Point at, double scale, Scalar color)
    {
        if (text.Length == 0)
            return; // OpenCV's putText rejects an empty string
        // dark outline first so the text reads on any background
        Cv2.PutText(mat, text, at, HersheyFonts.HersheySimplex, scale, Scalar.Black, 3, LineTypes.AntiAlias);
        Cv2.PutText(mat, text, at, HersheyFonts.HersheySimplex, scale, color, 1, LineTypes.AntiAlias);
    }

    /// <summary>A BGR color to draw a color name's label in (black and gray drawn light to stay visible).</summary>
    static Scalar LabelColor(string name) => name switch
    {
        "red" => new Scalar(60, 60, 230),
        "orange" => new Scalar(40, 150, 250),
        "yellow" => new Scalar(60, 230, 240),
        "green" => new Scalar(80, 200, 80),
        "blue" => new Scalar(240, 140, 60),
        "purple" => new Scalar(200, 80, 170),
        "pink" => new Scalar(200, 160, 250),
        "brown" => new Scalar(60, 110, 170),
        "black" => new Scalar(200, 200, 200),
        "gray" => new Scalar(170, 170, 170),
        _ => new Scalar(255, 255, 255),
    };
}
