using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;

namespace RealtimeMM.Cli;

/// <summary>
/// The answer as every <c>rtmm</c> subcommand prints it: one line for people, or DESIGN.md's JSON
/// answer object (docs/design.md: the field names are the contract), in one place for all of them.
/// </summary>
internal static class AnswerJson
{
    /// <summary>Prints an answer: its JSON object with <paramref name="asJson"/>, else one line.</summary>
    public static void Write(Terminal terminal, Answer a, bool asJson)
    {
        if (asJson)
            JsonLines.Write(terminal.Out, Contract(a));
        else
            terminal.Out.WriteLine($"{a.Text}  ({a.Kind}, confidence {a.Confidence:F2}{(a.Attention is { } m ? $", looked at ({m.PeakX:F0}, {m.PeakY:F0})" : "")})");
    }

    /// <summary>
    /// DESIGN.md's answer object (field names are the contract), led by the frame and timestamp
    /// when the answer is about a frame of a stream. Callers may add fields (the demo adds "truth").
    /// </summary>
    public static Dictionary<string, object?> Contract(Answer a, long? frame = null, TimeSpan? timestamp = null)
    {
        var o = new Dictionary<string, object?>();
        if (frame is not null)
            o["frame"] = frame;
        if (timestamp is { } t)
            o["timestamp_ms"] = Math.Round(t.TotalMilliseconds, 3);
        o["query"] = a.Query;
        if (a.Interpreted is not null)
            o["interpreted_as"] = a.Interpreted;
        o["answer"] = a.Text;
        o["confidence"] = Math.Round(a.Confidence, 4);
        o["kind"] = a.Kind;
        o["attention"] = a.Attention is { } map ? new { grid = new[] { map.GridHeight, map.GridWidth }, peak = new[] { Math.Round(map.PeakX, 1), Math.Round(map.PeakY, 1) } } : null;
        o["timings_ms"] = a.TimingsMs;
        if (a.Boxes is { } boxes)
            o["boxes"] = boxes.Select(b => new[] { Math.Round(b.X, 1), Math.Round(b.Y, 1), Math.Round(b.Width, 1), Math.Round(b.Height, 1) }).ToArray();
        o["device"] = a.Device;
        o["answerer"] = a.Answerer;
        o["not_sure"] = a.NotSure;
        o["out_of_world"] = a.OutOfWorld;
        o["not_in_view"] = a.NotInView;
        if (a.InWorld is { } w)
            o["in_world"] = Math.Round(w, 4);
        if (a.Reason is not null)
            o["reason"] = a.Reason;
        return o;
    }
}
