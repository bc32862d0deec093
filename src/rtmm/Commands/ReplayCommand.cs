using System.CommandLine;
using System.Diagnostics;
using RealtimeMM.Capture;
using RealtimeMM.Overlay;
using RealtimeMM.Replay;

namespace RealtimeMM.Cli.Commands;

/// <summary>
/// <c>rtmm replay CLIP</c>: plays a clip frame by frame with its ground truth, headless or in a
/// window. (Answers and attention overlays join when the model lands.)
/// </summary>
internal static class ReplayCommand
{
    public static Command Create(Terminal terminal)
    {
        var clip = new Argument<string>("clip") { Description = "Replay clip folder (or its clip.json); other sources play without ground truth" };
        var realtime = new Option<bool>("--realtime") { Description = "Play at the clip's own pace (default: as fast as possible; always real time in a window)" };
        var window = new Option<bool>("--window") { Description = "Show the frames with their ground truth in a window (needs a display)" };
        var json = Options.Json();
        var command = new Command("replay", "Play a replay clip frame by frame with its ground truth") { clip, realtime, window, json };
        command.SetGuardedAction(terminal, (parse, cancel) =>
        {
            bool show = parse.GetValue(window);
            bool asJson = parse.GetValue(json);
            var pacing = show || parse.GetValue(realtime) ? Pacing.RealTime : Pacing.AsFastAsPossible;
            using var src = FrameSource.Open(parse.GetValue(clip)!, new FrameSourceOptions { Pacing = pacing });
            using var win = show ? new FrameWindow($"rtmm replay {src.Info.Name}") : null;
            var replay = src as ReplayClipSource;
            var clock = Stopwatch.StartNew();
            long frames = 0, objects = 0, questions = 0;
            TimeSpan last = TimeSpan.Zero;
            using (var progress = asJson ? null : new Progress(terminal, "replay", src.Info.FrameCount ?? 0))
            {
                while (src.Read(cancel) is { } frame)
                {
                    using (frame)
                    {
                        var truth = replay?.Truth(frame.Index);
                        frames++;
                        last = frame.Timestamp;
                        objects += truth?.Objects?.Length ?? 0;
                        questions += truth?.Questions?.Length ?? 0;
                        if (asJson)
                            JsonLines.Write(terminal.Out, new
                            {
                                frame = frame.Index,
                                timestamp_ms = Math.Round(frame.Timestamp.TotalMilliseconds, 3),
                                width = frame.Width,
                                height = frame.Height,
                                objects = truth?.Objects?.Select(o => new { id = o.Id, @class = o.Class, color = o.Color, box = new[] { o.Box.X, o.Box.Y, o.Box.Width, o.Box.Height } }),
                                questions = truth?.Questions?.Length,
                            });
                        if (win is not null)
                        {
                            using var shown = TruthOverlay.Draw(frame, truth, status: $"frame {frame.Index}  {frame.Timestamp.TotalSeconds:F2} s");
                            int key = win.Show(shown);
                            if (key is 'q' or 27)
                                break;
                        }
                        progress?.Report(frames);
                    }
                }
            }
            double wall = clock.Elapsed.TotalSeconds;
            if (!asJson)
                terminal.Out.WriteLine($"replayed {frames} frames ({src.Info.Width}x{src.Info.Height}, {last.TotalSeconds:F2} s of video) in {wall:F2} s ({frames / Math.Max(wall, 1e-6):F0} frames/s)"
                    + (replay is null ? "; no ground truth (not a replay clip)" : $"; ground truth: {objects} objects, {questions} questions"));
            return 0;
        });
        return command;
    }
}
