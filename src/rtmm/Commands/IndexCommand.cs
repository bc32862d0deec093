using System.CommandLine;
using RealtimeMM.Sources;
using RealtimeMM.Capture;
using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;
using RealtimeMM.Search;

namespace RealtimeMM.Cli.Commands;

/// <summary>
/// <c>rtmm index SOURCE</c>: image embeddings of sampled frames into an append-only index beside
/// the clip (or <c>--out</c>). Run again on the same clip, it resumes after the last frame stored.
/// </summary>
internal static class IndexCommand
{
    public static Command Create(Terminal terminal)
    {
        var source = new Argument<string>("source") { Description = "Clip folder, video file, image folder, camera (/dev/video0) or stream URL" };
        var output = new Option<string?>("--out") { Description = "Index file (default: frames.rtmmidx in a clip folder, SOURCE.rtmmidx beside a file)" };
        var every = new Option<double>("--every") { Description = "Shortest time between stored frames, seconds", DefaultValueFactory = _ => new FrameSampler().Interval };
        var still = new Option<double>("--static") { Description = "Longest time between stored frames while the picture does not change, seconds", DefaultValueFactory = _ => new FrameSampler().StaticInterval };
        var change = new Option<double>("--change") { Description = "Mean grey-level difference (32x24 thumbnail) that counts as a change", DefaultValueFactory = _ => new FrameSampler().ChangeThreshold };
        var json = Options.Json();
        var model = Options.Model();
        var device = Options.Device();
        var vocabulary = TeachCommand.Vocabulary(required: false);
        var command = new Command("index", "Store image embeddings of sampled frames in an index file for `rtmm search`; with --vocabulary, also each taught name's score (INDEX.taught)") { source, output, every, still, change, json, model, device, vocabulary };
        command.SetGuardedAction(terminal, (parse, cancel) =>
        {
            string spec = parse.GetValue(source)!;
            var sampler = new FrameSampler { Interval = parse.GetValue(every), StaticInterval = parse.GetValue(still), ChangeThreshold = parse.GetValue(change) };
            if (!(sampler.Interval >= 0) || !(sampler.StaticInterval >= sampler.Interval) || !(sampler.ChangeThreshold >= 0))
                throw new UsageException($"--every {sampler.Interval}, --static {sampler.StaticInterval}, --change {sampler.ChangeThreshold}: need 0 <= every <= static and change >= 0");
            using var src = FrameSource.Open(spec);
            using var answerer = QuestionAnswerer.Open(parse.GetValue(model), parse.GetValue(device), warn: terminal.Error.WriteLine);
            using var taught = parse.GetValue(vocabulary) is { } names ? TeachCommand.Open(names, parse.GetValue(device), answerer.Bundle.Manifest.World, terminal) : null;
            if (taught is not null)
                answerer.AddAnswerer(taught);
            string path = parse.GetValue(output) ?? FrameIndex.PathFor(spec);
            long read = 0, stored, total;
            string modelName;
            string? recovered;
            using (var recorder = new FrameIndexRecorder(path, answerer.Bundle, spec, sampler, renumber: false))
            {
                recorder.Taught = taught;
                if (recorder.Recovered is { } r)
                    terminal.Error.WriteLine($"{path}: {r}");
                if (recorder.ResumesAfter >= 0)
                    terminal.Error.WriteLine($"{path}: {recorder.StoredBefore} frames stored already; resuming after frame {recorder.ResumesAfter}");
                using (var progress = new Progress(terminal, "indexing", src.Info.FrameCount ?? 0))
                {
                    while (src.Read(cancel) is { } frame)
                    {
                        using (frame)
                        {
                            progress.Report(++read);
                            recorder.Offer(frame, frame.Index, frame.Timestamp.TotalSeconds, () => answerer.Encode(frame));
                            if (recorder.Failure is { } failure)
                                throw new UsageException(failure);
                        }
                    }
                }
                recorder.Dispose(); // flushed before the summary counts the file
                if (recorder.Failure is { } last)
                    throw new UsageException(last);
                stored = recorder.Stored;
                total = recorder.StoredBefore + recorder.Stored;
                modelName = recorder.Model;
                recovered = recorder.Recovered?.ToString();
            }
            var summary = new
            {
                index = Path.GetFullPath(path), frames_read = read, frames_stored = stored, total_stored = total,
                bytes = new FileInfo(path).Length, model = modelName, recovered,
                taught_names = taught is null ? null : TaughtIndex.PathFor(Path.GetFullPath(path)),
            };
            if (parse.GetValue(json))
                JsonLines.Write(terminal.Out, summary);
            else
                terminal.Out.WriteLine($"{path}: stored {summary.frames_stored} of {summary.frames_read} frames read ({summary.total_stored} in all, {summary.bytes:N0} bytes)" +
                    (taught is null ? "" : $"; taught names' scores in {summary.taught_names}"));
            return 0;
        });
        return command;
    }
}
