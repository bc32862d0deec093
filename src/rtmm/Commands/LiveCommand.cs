using System.CommandLine;
using System.Diagnostics;
using System.Text;
using RealtimeMM.Capture;
using RealtimeMM.Frames;
using RealtimeMM.Models;
using RealtimeMM.Overlay;

namespace RealtimeMM.Cli.Commands;

/// <summary>
/// <c>rtmm live SOURCE</c>: a camera, video, stream or clip in a window, answering standing
/// questions on every frame with the attention heatmap. Type a question and press Enter to add it
/// ("clear" removes them all); Tab toggles the heatmap; Esc quits. Capture runs on its own thread
/// into a latest-frame slot, so a slow model drops frames instead of falling behind.
/// </summary>
internal static class LiveCommand
{
    public static Command Create(Terminal terminal)
    {
        var source = new Argument<string>("source") { Description = "Camera index or /dev/videoN, video file, stream URL, image folder or replay clip" };
        var ask = new Option<string[]>("--ask") { Description = "Questions to start with (repeat the option for several)" };
        var frames = new Option<int?>("--frames") { Description = "Stop after this many frames (for scripted runs)" };
        var model = AskCommand.ModelOption();
        var device = AskCommand.DeviceOption();
        var json = Options.Json();
        var command = new Command("live", "Ask questions about a live source in a window; the heatmap shows where the model looked") { source, ask, frames, model, device, json };
        command.SetGuardedAction(terminal, (parse, cancel) =>
        {
            if (!FrameWindow.DisplayAvailable)
                throw new PlatformNotSupportedException("rtmm live needs a display (DISPLAY is not set); headless, use rtmm replay SOURCE --questions FILE --out DIR");
            using var answerer = QuestionAnswerer.Open(parse.GetValue(model), parse.GetValue(device), warn: terminal.Error.WriteLine);
            var standing = new StandingQuestions(answerer);
            foreach (var q in parse.GetValue(ask) ?? [])
                standing.Add(q);
            using var slot = new FrameSlot();
            using var pump = FramePump.Start(parse.GetValue(source)!, slot, new FrameSourceOptions { Pacing = Pacing.RealTime },
                onEvent: e => terminal.Error.WriteLine(e.ToString()));
            using var window = new FrameWindow("RealtimeMM live");
            using var heat = new CpuOverlayRenderer(new OverlaySpec());
            var typed = new StringBuilder();
            bool showHeat = true;
            int? limit = parse.GetValue(frames);
            long shown = 0;
            var clock = Stopwatch.StartNew();
            while (slot.TakeAsync(cancel).AsTask().GetAwaiter().GetResult() is { } frame)
            {
                using (frame)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    var encoded = answerer.Encode(frame);
                    var answers = standing.Update(encoded);
                    double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                    if (parse.GetValue(json))
                        foreach (var a in answers)
                            AskCommand.Write(terminal, a, asJson: true);
                    using var withHeat = showHeat && answers.Count > 0 && answers[0].Attention is { } map
                        ? heat.Blend(frame, map.Values, map.GridWidth, map.GridHeight) : frame.Clone(frame.Index, frame.Timestamp);
                    var caption = string.Join("\n", answers.Select(a => $"{a.Query}? {a.Text} ({a.Confidence:P0})").Append($"> {typed}_"));
                    double fps = ++shown / Math.Max(clock.Elapsed.TotalSeconds, 1e-3);
                    using var view = TruthOverlay.Draw(withHeat, null, caption, $"{fps:F0} fps  {ms:F0} ms  dropped {slot.Dropped}  [Enter ask, Tab heatmap, Esc quit]");
                    int key = window.Show(view);
                    if (key == 27)
                        break;
                    Edit(key, typed, standing, ref showHeat);
                }
                if (limit is int max && shown >= max)
                    break;
            }
            terminal.Out.WriteLine($"live: {shown} frames shown, {slot.Dropped} dropped, {standing.Questions.Count} standing question(s)");
            return 0;
        });
        return command;
    }

    /// <summary>Applies a key to the question being typed (Enter adds it, "clear" removes all, Tab toggles the heatmap).</summary>
    static void Edit(int key, StringBuilder typed, StandingQuestions standing, ref bool showHeat)
    {
        key &= 0xFF;
        switch (key)
        {
            case 0xFF:
                return; // no key
            case 9:
                showHeat = !showHeat;
                return;
            case 8:
                if (typed.Length > 0)
                    typed.Length--;
                return;
            case 10 or 13:
                var q = typed.ToString().Trim();
                typed.Clear();
                if (q == "clear")
                    foreach (var old in standing.Questions)
                        standing.Remove(old);
                else if (q.Length > 0)
                    standing.Add(q);
                return;
            default:
                if (key >= 32 && key < 127 && typed.Length < 200)
                    typed.Append((char)key);
                return;
        }
    }
}
