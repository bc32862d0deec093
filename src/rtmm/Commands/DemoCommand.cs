using System.CommandLine;
using RealtimeMM.Sources;
using RealtimeMM.Capture;
using RealtimeMM.Frames;
using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;
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
        var model = Options.Model();
        var command = new Command("demo", "Play the bundled generated clip: the model answers its questions live with attention heatmaps, in a window or headless into an annotated clip") { output, window, json, model };
        command.SetGuardedAction(terminal, (parse, cancel) =>
        {
            string dir = Path.GetFullPath(parse.GetValue(output)!);
            bool show = parse.GetValue(window) ?? FrameWindow.DisplayAvailable;
            string clip = EnsureClip(Path.Combine(dir, "clip"), terminal, cancel);

            // the model loads (and warms up) before the clip starts playing: frames that arrive while it loads are dropped
            using var answerer = OpenModel(parse.GetValue(model), terminal);
            using var heat = new CpuOverlayRenderer(new OverlaySpec());
            using var slot = new FrameSlot();
            using var replay = ReplayClip.Open(clip); // for ground truth; frames come through the pump
            using var win = show ? new FrameWindow("RealtimeMM demo") : null;
            using var annotated = show ? null : ClipWriter.Create(Path.Combine(dir, "annotated"), ClipFormat.Mjpeg, replay.Info.Fps, "rtmm demo", overwrite: true);
            using var pump = FrameSource.Pump(clip, slot, new FrameSourceOptions { Pacing = Pacing.RealTime });

            var clock = System.Diagnostics.Stopwatch.StartNew();
            long shown = 0;
            while (slot.TakeAsync(cancel).AsTask().GetAwaiter().GetResult() is { } frame)
            {
                using (frame)
                {
                    var truth = replay.Truth(frame.Index);
                    var question = truth.Questions is { Length: > 0 } qs ? qs[(int)(frame.Index / 30 % qs.Length)] : null;
                    double fps = ++shown / Math.Max(clock.Elapsed.TotalSeconds, 1e-3);
                    Answer? answer = question is null ? null : answerer?.Ask(frame, question.Question);
                    string caption = question is null ? "" : answer is null ? $"Q: {question.Question}?  truth: {question.Answer}"
                        : $"Q: {question.Question}?\nA: {answer.Text} ({answer.Confidence:P0})   truth: {question.Answer}";
                    using var shownFrame = answer?.Attention is { } att ? heat.Blend(frame, att.Values, att.GridWidth, att.GridHeight) : frame.Clone(frame.Index, frame.Timestamp);
                    using var view = TruthOverlay.Draw(shownFrame, truth, caption, $"frame {frame.Index}  {fps:F0} fps  dropped {slot.Dropped}");
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
                    {
                        var line = answer is null
                            ? new Dictionary<string, object?> { ["frame"] = frame.Index, ["timestamp_ms"] = Math.Round(frame.Timestamp.TotalMilliseconds, 3), ["query"] = question.Question }
                            : AnswerJson.Contract(answer, frame.Index, frame.Timestamp);
                        line["truth"] = question.Answer;
                        JsonLines.Write(terminal.Out, line);
                    }
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

    /// <summary>The shipped model, or none (with one warning line) when the bundle cannot be loaded: the demo then shows ground truth only.</summary>
    static QuestionAnswerer? OpenModel(string? folder, Terminal terminal)
    {
        try
        {
            return QuestionAnswerer.Open(folder, warn: terminal.Error.WriteLine);
        }
        catch (ModelBundleException e)
        {
            terminal.Error.WriteLine($"warning: no model ({e.Message}); showing ground truth only");
            return null;
        }
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
        using var writer = ClipWriter.Create(clip, ClipWriter.DefaultFormat, 30, $"rtmm demo (scene seed {DefaultSeed})", overwrite: true);
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
