using System.CommandLine;
using RealtimeMM.Sources;
using RealtimeMM.Capture;
using RealtimeMM.Replay;

namespace RealtimeMM.Cli.Commands;

/// <summary>
/// <c>rtmm record SOURCE --out CLIP</c>: records any source into a replay clip. Ground truth of a
/// replayed clip travels along. Ctrl+C ends a live recording and keeps what was recorded; an
/// error leaves nothing behind.
/// </summary>
internal static class RecordCommand
{
    public static Command Create(Terminal terminal)
    {
        var source = new Argument<string>("source") { Description = "Camera index or /dev/videoN, video file, stream URL, image folder or replay clip" };
        var output = new Option<string>("--out") { Description = "Clip folder to write", Required = true };
        var frames = new Option<int?>("--frames") { Description = "Stop after this many frames" };
        var seconds = new Option<double?>("--seconds") { Description = "Stop after this much source time" };
        var format = Options.Format();
        var realtime = new Option<bool>("--realtime") { Description = "Read recorded sources at their own pace instead of as fast as possible" };
        var force = new Option<bool>("--force") { Description = "Replace the clip folder if it exists" };
        var json = Options.Json();
        var index = new Option<bool>("--index") { Description = "Also index sampled frames as they are recorded (the clip's frames.rtmmidx, what `rtmm search` reads)" };
        var model = Options.Model();
        var command = new Command("record", "Record a source into a replay clip (video + JSON sidecar)") { source, output, frames, seconds, format, realtime, force, json, index, model };
        command.SetGuardedAction(terminal, (parse, cancel) =>
        {
            int? maxFrames = parse.GetValue(frames);
            double? maxSeconds = parse.GetValue(seconds);
            if (maxFrames is <= 0 || maxSeconds is <= 0)
                throw new UsageException("--frames and --seconds must be positive");
            var options = new FrameSourceOptions { Pacing = parse.GetValue(realtime) ? Pacing.RealTime : Pacing.AsFastAsPossible };
            using var src = FrameSource.Open(parse.GetValue(source)!, options);
            var info = src.Info;
            using var writer = ClipWriter.Create(parse.GetValue(output)!, parse.GetValue(format), info.Fps > 0 ? info.Fps : 30, info.Name, parse.GetValue(force));
            // --index: only the sampled frames are encoded; the index is written inside the clip being made,
            // so it appears with the clip and goes with it if the recording fails
            using var answerer = parse.GetValue(index) ? Answering.QuestionAnswerer.Open(parse.GetValue(model), Gpu.DevicePreference.Auto, warn: terminal.Error.WriteLine) : null;
            using var recorder = answerer is null ? null
                : new Search.FrameIndexRecorder(Search.FrameIndex.PathFor(writer.Folder), answerer.Bundle, Path.GetFullPath(parse.GetValue(output)!), null, renumber: false);
            long total = maxFrames ?? info.FrameCount ?? 0;
            TimeSpan? first = null;
            bool interrupted = false;
            using (var progress = new Progress(terminal, "record", total))
            {
                while (maxFrames is null || writer.FrameCount < maxFrames)
                {
                    Frames.Frame? frame;
                    try
                    {
                        frame = src.Read(cancel);
                    }
                    catch (OperationCanceledException) when (cancel.IsCancellationRequested && writer.FrameCount > 0)
                    {
                        interrupted = true;
                        break;
                    }
                    if (frame is null)
                        break;
                    using (frame)
                    {
                        first ??= frame.Timestamp;
                        if (maxSeconds is double s && (frame.Timestamp - first.Value).TotalSeconds >= s)
                            break;
                        long number = writer.FrameCount;
                        writer.Append(frame, (src as ReplayClipSource)?.Truth(frame.Index));
                        if (recorder is { Failure: null } && !recorder.Offer(frame, number, (frame.Timestamp - first.Value).TotalSeconds, () => answerer!.Encode(frame)) && recorder.Failure is { } why)
                            terminal.Error.WriteLine($"warning: {why}; the recording goes on");
                    }
                    progress.Report(writer.FrameCount);
                }
            }
            int n = writer.FrameCount;
            recorder?.Dispose(); // flushed before the clip is moved into place
            var path = writer.Complete();
            if (parse.GetValue(json))
                JsonLines.Write(terminal.Out, new { clip = path, frames = n, width = info.Width, height = info.Height, source = info.Name, interrupted, frames_indexed = recorder?.Stored });
            else
                terminal.Out.WriteLine($"recorded {n} frames ({info.Width}x{info.Height}) from {info.Name} to {path}{(interrupted ? " (interrupted)" : "")}" +
                    (recorder is null ? "" : $", {recorder.Stored} indexed"));
            return 0;
        });
        return command;
    }
}
