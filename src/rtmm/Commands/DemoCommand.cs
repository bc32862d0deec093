using System.CommandLine;
using RealtimeMM.Capture;
using RealtimeMM.Frames;
using RealtimeMM.Overlay;
using RealtimeMM.Replay;
using RealtimeMM.Scenes;

namespace RealtimeMM.Cli.Commands;

/// <summary>
/// <c>rtmm demo</c>: the whole capture path on the bundled default clip (generated from a fixed
/// seed, so no camera or download is needed): a pump reads it at camera pace into a latest-frame
/// slot, and each frame is shown with its ground truth and one of its questions, in a window when
/// there is a display and into an annotated clip otherwise. Model answers replace the truth when
/// the model lands.
/// </summary>
internal static class DemoCommand
{
    public const int DefaultSeed = 1, DefaultFrames = 150;

    public static Command Create(Terminal terminal)
    {
        var output = new Option<string>("--out") { Description = "Folder for the generated clip and the annotated output", DefaultValueFactory = _ => "rtmm-demo" };
        var window = new Option<bool?>("--window") { Description = "Show a window (default: when a display is available)" };
        var json = Options.Json();
        var command = new Command("demo", "Play the bundled generated clip with ground truth: in a window, or headless into an annotated clip") { output, window, json };
        command.SetGuardedAction(terminal, (parse, cancel) =>
        {
            string dir = Path.GetFullPath(parse.GetValue(output)!);
            bool show = parse.GetValue(window) ?? FrameWindow.DisplayAvailable;
            string clip = EnsureClip(Path.Combine(dir, "clip"), terminal, cancel);

            using var slot = new FrameSlot();
            using var replay = ReplayClip.Open(clip); // for ground truth; frames come through the pump
            using var pump = FramePump.Start(clip, slot, new FrameSourceOptions { Pacing = Pacing.RealTime });
            using var win = show ? new FrameWindow("RealtimeMM demo") : null;
            using var annotated = show ? null : ClipWriter.Create(Path.Combine(dir, "annotated"), ClipFormat.Mjpeg, replay.Info.Fps, "rtmm demo", overwrite: true);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            long shown = 0;
            while (slot.TakeAsync(cancel).AsTask().GetAwaiter().GetResult() is { } frame)
            {
                using (frame)
                {
                    var truth = replay.Truth(frame.Index);
                    var question = truth.Questions is { Length: > 0 } qs ? qs[(int)(frame.Index / 30 % qs.Length)] : null;
                    double fps = ++shown / Math.Max(clock.Elapsed.TotalSeconds, 1e-3);
                    string caption = question is null ? "" : $"Q: {question.Question}?  truth: {question.Answer}";
                    using var view = TruthOverlay.Draw(frame, truth, caption, $"frame {frame.Index}  {fps:F0} fps  dropped {slot.Dropped}");
                    if (win is not null)
                    {
                        if (win.Show(view) is 'q' or 27)
                            break;
                    }
                    else
                    {
                        annotated!.Append(view);
                    }
                    if (frame.Index % 30 == 0 && question is not null && parse.GetValue(json))
                        JsonLines.Write(terminal.Out, new { frame = frame.Index, timestamp_ms = Math.Round(frame.Timestamp.TotalMilliseconds, 1), query = question.Question, kind = question.Kind, truth = question.Answer, objects = truth.Objects?.Length ?? 0 });
                }
            }
            string? written = annotated?.Complete();
            if (!parse.GetValue(json))
                terminal.Out.WriteLine($"demo: played {shown} of {replay.Info.FrameCount} frames of {clip} in {clock.Elapsed.TotalSeconds:F1} s ({slot.Dropped} dropped)"
                    + (written is null ? "" : $"; annotated clip: {written}/frames.avi"));
            return 0;
        });
        return command;
    }

    /// <summary>Generates the default clip once; later runs reuse it if it is still a valid clip.</summary>
    static string EnsureClip(string clip, Terminal terminal, CancellationToken cancel)
    {
        if (ReplayClip.IsClip(clip))
        {
            try
            {
                ReplayClip.LoadSidecar(ReplayClip.SidecarPath(clip));
                return clip;
            }
            catch (ReplayFormatException)
            {
                // regenerate below
            }
        }
        using var writer = ClipWriter.Create(clip, ClipFormat.Ffv1, 30, $"rtmm demo (scene seed {DefaultSeed})", overwrite: true);
        using (var progress = new Progress(terminal, "generating demo clip", DefaultFrames))
        {
            int i = 0;
            foreach (var scene in SceneGenerator.RenderClip(DefaultSeed, DefaultFrames, 30))
            {
                cancel.ThrowIfCancellationRequested();
                var ts = TimeSpan.FromSeconds(i / 30.0);
                using var frame = scene.ToFrame(i, ts);
                writer.Append(frame, scene.ToTruth(i, ts));
                progress.Report(++i);
            }
        }
        return writer.Complete();
    }
}
