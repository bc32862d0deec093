using System.CommandLine;
using System.Diagnostics;
using RealtimeMM.Sources;
using RealtimeMM.Capture;
using RealtimeMM.Frames;
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
        var standingFile = new Option<string?>("--questions") { Description = "Standing questions, one per line: answered on every frame" };
        var output = new Option<string?>("--out") { Description = "With --questions: folder for the annotated clip and answers.jsonl" };
        var stats = new Option<bool>("--stats") { Description = "With --questions: frames per second and per-frame latency percentiles" };
        var index = new Option<bool>("--index") { Description = "With --questions: also store sampled frames' embeddings in the clip's index (what `rtmm search` reads), as `rtmm index` does" };
        var model = Options.Model();
        var device = Options.Device();
        var command = new Command("replay", "Play a replay clip frame by frame with its ground truth, or answer standing questions on every frame")
        {
            clip, realtime, window, json, standingFile, output, stats, index, model, device,
        };
        command.Validators.Add(r =>
        {
            if (r.GetResult(standingFile) is null && (r.GetResult(output) is not null || r.GetResult(stats) is not null || r.GetResult(index) is not null))
                r.AddError("--out, --stats and --index go with --questions");
        });
        command.SetGuardedAction(terminal, (parse, cancel) =>
        {
            if (parse.GetValue(standingFile) is { } file)
                return Answer(parse, terminal, cancel, parse.GetValue(clip)!, file, parse.GetValue(output), parse.GetValue(stats), parse.GetValue(json),
                    parse.GetValue(window), parse.GetValue(realtime), parse.GetValue(model), parse.GetValue(device), parse.GetValue(index));
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

    /// <summary>
    /// Standing questions on every frame: one JSON line per answer (DESIGN.md's fields plus frame
    /// and timestamp), the annotated clip with the first question's heatmap, and with --stats the
    /// frame rate and per-frame latency percentiles.
    /// </summary>
    static int Answer(ParseResult parse, Terminal terminal, CancellationToken cancel, string clip, string file, string? output, bool stats, bool asJson,
        bool show, bool realtime, string? model, Gpu.DevicePreference device, bool indexing)
    {
        var lines = Options.ReadLines(file, "questions");
        using var src = FrameSource.Open(clip, new FrameSourceOptions { Pacing = show || realtime ? Pacing.RealTime : Pacing.AsFastAsPossible });
        using var answerer = Answering.QuestionAnswerer.Open(model, device, warn: terminal.Error.WriteLine);
        var standing = new Answering.StandingQuestions(answerer);
        foreach (var q in lines)
            standing.Add(q);
        using var recorder = indexing ? new Search.FrameIndexRecorder(Search.FrameIndex.PathFor(clip), answerer.Bundle, clip, null, renumber: false) : null;
        if (recorder?.Recovered is { } recovered)
            terminal.Error.WriteLine($"{recorder.Path}: {recovered}");
        var replay = src as ReplayClipSource;
        string? dir = output is null ? null : Path.GetFullPath(output);
        using var annotated = dir is null ? null : ClipWriter.Create(Path.Combine(dir, "annotated"), ClipFormat.Mjpeg, src.Info.Fps > 0 ? src.Info.Fps : 30, $"rtmm replay {clip}", overwrite: true);
        using var answersFile = dir is null ? null : new StreamWriter(Path.Combine(dir, "answers.jsonl.partial"));
        using var win = show ? new FrameWindow($"rtmm replay {src.Info.Name}") : null;
        using var heat = new CpuOverlayRenderer(new OverlaySpec());
        var latencies = new List<double>();
        const int MaxFailuresInARow = 30;
        int failuresInARow = 0, failed = 0;
        var gcBefore = GcCounts.Now();
        var clock = Stopwatch.StartNew();
        // Without a window the annotated video is drawn and encoded on a thread of its own, two
        // frames behind at most, so writing it overlaps answering the next frame.
        var toWrite = annotated is not null && win is null ? System.Threading.Channels.Channel.CreateBounded<(Frame Frame, IReadOnlyList<Answering.Answer> Answers, double Ms)>(2) : null;
        var writer = toWrite is null ? null : Task.Run(async () =>
        {
            await foreach (var (f, a, ms) in toWrite.Reader.ReadAllAsync())
                using (f)
                using (var view = Annotate(heat, f, a, ms))
                    annotated!.Append(view);
        });
        try
        {
            using var progress = asJson ? null : new Progress(terminal, "answering", src.Info.FrameCount ?? 0);
            while (src.Read(cancel) is { } frame)
            {
                using (frame)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    IReadOnlyList<Answering.Answer> answers;
                    try
                    {
                        using var encoded = answerer.Encode(frame);
                        answers = standing.Update(encoded);
                        recorder?.Offer(frame, frame.Index, frame.Timestamp.TotalSeconds, encoded);
                        failuresInARow = 0;
                    }
                    catch (Exception e) when (e is not OperationCanceledException && ++failuresInARow < MaxFailuresInARow)
                    {
                        // one frame the model fails on costs that frame's answers, not the replay
                        terminal.Error.WriteLine($"frame {frame.Index}: {e.Message}");
                        failed++;
                        progress?.Report(frame.Index + 1);
                        continue;
                    }
                    latencies.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                    foreach (var a in answers)
                    {
                        var line = AnswerJson.Contract(a, frame.Index, frame.Timestamp);
                        if (asJson)
                            JsonLines.Write(terminal.Out, line);
                        if (answersFile is not null)
                            JsonLines.Write(answersFile, line);
                    }
                    if (toWrite is not null)
                    {
                        toWrite.Writer.WriteAsync((frame.Clone(frame.Index, frame.Timestamp), answers, latencies[^1]), cancel).AsTask().GetAwaiter().GetResult();
                    }
                    else if (win is not null)
                    {
                        using var view = Annotate(heat, frame, answers, latencies[^1]);
                        annotated?.Append(view);
                        if (win.Show(view) is 'q' or 27)
                            break;
                    }
                    progress?.Report(frame.Index + 1);
                }
            }
        }
        finally
        {
            toWrite?.Writer.Complete();
            writer?.GetAwaiter().GetResult();
        }
        double wall = clock.Elapsed.TotalSeconds;
        var gc = GcCounts.Now() - gcBefore;
        if (annotated is not null)
        {
            answersFile!.Close();
            annotated.Complete();
            File.Move(Path.Combine(dir!, "answers.jsonl.partial"), Path.Combine(dir!, "answers.jsonl"), overwrite: true);
        }
        latencies.Sort();
        double P(double q) => latencies.Count == 0 ? 0 : latencies[Math.Min(latencies.Count - 1, (int)(q * latencies.Count))];
        if (stats)
        {
            var summary = new { frames = latencies.Count, frames_failed = failed, questions = lines.Length, fps = Math.Round(latencies.Count / Math.Max(wall, 1e-6), 2),
                latency_ms = new { p50 = Math.Round(P(0.5), 2), p90 = Math.Round(P(0.9), 2), p99 = Math.Round(P(0.99), 2), max = Math.Round(latencies.LastOrDefault(), 2) }, device = answerer.Device,
                gc = gc.Summary(latencies.Count) };
            if (asJson)
                JsonLines.Write(terminal.Out, new { stats = summary });
            else
                terminal.Out.WriteLine($"{summary.frames} frames x {summary.questions} questions in {wall:F1} s: {summary.fps} frames/s; per-frame latency p50 {summary.latency_ms.p50} ms, p90 {summary.latency_ms.p90} ms, p99 {summary.latency_ms.p99} ms ({summary.device}); " +
                    $"garbage collector: {summary.gc.allocated_kb_per_frame} KB allocated a frame, collections {summary.gc.gen0}/{summary.gc.gen1}/{summary.gc.gen2} (gen 0/1/2), paused {summary.gc.paused_ms} ms in all");
        }
        if (!asJson && dir is not null)
            terminal.Out.WriteLine($"wrote {Path.Combine(dir, "annotated", "frames.avi")} and {Path.Combine(dir, "answers.jsonl")}");
        if (recorder is not null)
        {
            recorder.Dispose(); // flushed before the line says so
            terminal.Error.WriteLine(recorder.Failure ?? $"{recorder.Path}: {recorder.Stored} frames indexed");
        }
        return recorder?.Failure is null ? 0 : 1;
    }

    /// <summary>The frame with the first question's heatmap, every answer as a caption, and the frame's latency.</summary>
    static Frame Annotate(IOverlayRenderer heat, Frame frame, IReadOnlyList<Answering.Answer> answers, double ms)
    {
        using var withHeat = answers[0].Attention is { } map ? heat.Blend(frame, map.Values, map.GridWidth, map.GridHeight) : frame.Clone(frame.Index, frame.Timestamp);
        string caption = string.Join("\n", answers.Select(a => $"{a.Query}? {a.Text} ({a.Confidence:P0})"));
        return TruthOverlay.Draw(withHeat, null, caption, $"frame {frame.Index}  {ms:F0} ms");
    }
}
