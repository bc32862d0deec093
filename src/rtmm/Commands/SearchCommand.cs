using System.CommandLine;
using Cv2 = OpenCvSharp.Cv2;
using RealtimeMM.Capture;
using RealtimeMM.Capture.OpenCv;
using RealtimeMM.Gpu;
using RealtimeMM.Models;
using RealtimeMM.Overlay;
using RealtimeMM.Search;

namespace RealtimeMM.Cli.Commands;

/// <summary>
/// <c>rtmm search CLIP-OR-INDEX --text Q</c>: the frames that look most like the text, with
/// timestamps and similarities; <c>--thumbs DIR</c> writes each hit as a PNG with the model's
/// attention for the text over it. Says so when nothing matches instead of listing arbitrary frames.
/// </summary>
internal static class SearchCommand
{
    public static Command Create(Terminal terminal)
    {
        var source = new Argument<string>("source") { Description = "An index file (.rtmmidx), or the clip or video whose index `rtmm index` made" };
        var text = new Option<string>("--text") { Description = "What to look for, e.g. \"a red car\"", Required = true };
        var top = Options.Positive("--top", "Most hits to show", 5);
        var from = new Option<double?>("--from") { Description = "Only frames at or after this time, seconds" };
        var to = new Option<double?>("--to") { Description = "Only frames at or before this time, seconds" };
        var gap = new Option<double>("--gap") { Description = "Leave out hits closer than this to a better one, seconds (0 keeps all)", DefaultValueFactory = _ => new SearchOptions().MinGapSeconds };
        var thumbs = new Option<string?>("--thumbs") { Description = "Write each hit as DIR/hit-N.png with the attention overlay (needs the clip)" };
        var json = Options.Json();
        var model = AskCommand.ModelOption();
        var command = new Command("search", "Find the frames of an indexed clip that show what a text says") { source, text, top, from, to, gap, thumbs, json, model };
        command.SetGuardedAction(terminal, (parse, cancel) =>
        {
            string spec = parse.GetValue(source)!;
            string indexPath = spec.EndsWith(".rtmmidx", StringComparison.OrdinalIgnoreCase) ? spec : FrameIndex.PathFor(spec);
            if (!File.Exists(indexPath))
                throw new FileNotFoundException(spec == indexPath ? $"{indexPath}: file not found" : $"{spec}: no index beside it ({indexPath}); make one with `rtmm index {spec}`");
            var index = FrameIndex.Load(indexPath);
            if (index.Recovered is { } r)
                terminal.Error.WriteLine($"warning: {indexPath}: {r}");
            using var answerer = QuestionAnswerer.Open(parse.GetValue(model), DevicePreference.Cpu, warn: terminal.Error.WriteLine);
            index.Header.CheckCompatible(answerer.Bundle, indexPath);
            var search = new TextSearch(answerer);
            var options = new SearchOptions { Top = parse.GetValue(top), From = parse.GetValue(from), To = parse.GetValue(to), MinGapSeconds = parse.GetValue(gap) };
            string query = parse.GetValue(text)!;
            var (embedding, problem) = search.Embed(query);
            if (embedding is null)
                throw new ArgumentException($"--text \"{query}\": {problem}");
            var result = search.Find(index.Store, query, options);
            bool asJson = parse.GetValue(json);
            if (!result.Matched)
            {
                if (asJson)
                    JsonLines.Write(terminal.Out, new { query, matched = false, reason = result.Reason, best_score = Round(result.BestScore), threshold = Round(result.Threshold), frames = index.Count });
                else
                    terminal.Out.WriteLine($"{result.Reason} ({index.Count} frames searched)");
                return 0;
            }
            var files = parse.GetValue(thumbs) is { } dir
                ? Thumbnails(answerer, spec == indexPath ? index.Header.Source : spec, dir, query, result.Hits, cancel)
                : null;
            for (int i = 0; i < result.Hits.Count; i++)
            {
                var h = result.Hits[i];
                if (asJson)
                    JsonLines.Write(terminal.Out, new { query, rank = i + 1, frame = h.FrameIndex, seconds = Math.Round(h.Seconds, 3), score = Round(h.Score), thumbnail = files?[i] });
                else
                    terminal.Out.WriteLine($"{i + 1,2}. {h.Seconds,9:F2} s  frame {h.FrameIndex,-7} similarity {h.Score:F3}{(files is null ? "" : "  " + files[i])}");
            }
            return 0;
        });
        return command;
    }

    static double Round(float v) => float.IsFinite(v) ? Math.Round(v, 4) : double.NaN;

    /// <summary>Reads the clip through once and writes each hit's frame with the attention of "is there TEXT" over it.</summary>
    static string[] Thumbnails(QuestionAnswerer answerer, string clip, string dir, string query, IReadOnlyList<SearchHit> hits, CancellationToken cancel)
    {
        Directory.CreateDirectory(dir);
        var wanted = hits.Select((h, i) => (h.FrameIndex, i)).ToLookup(x => x.FrameIndex, x => x.i);
        long last = hits.Max(h => h.FrameIndex);
        var files = new string[hits.Count];
        string question = query.StartsWith("is there ", StringComparison.OrdinalIgnoreCase) ? query : $"is there {query}";
        using var src = FrameSource.Open(clip);
        using var heat = new CpuOverlayRenderer(new OverlaySpec());
        while (src.Read(cancel) is { } frame)
        {
            using (frame)
            {
                foreach (int i in wanted[frame.Index])
                {
                    var answer = answerer.Ask(frame, question);
                    using var blended = answer.Attention is { } map ? heat.Blend(frame, map.Values, map.GridWidth, map.GridHeight) : frame.Clone(frame.Index, frame.Timestamp);
                    using var shown = TruthOverlay.Draw(blended, null, $"{query}: {hits[i].Score:F3}", $"frame {frame.Index}  {frame.Timestamp.TotalSeconds:F2} s");
                    files[i] = Path.Combine(dir, $"hit-{i + 1}.png");
                    using var mat = MatFrames.Wrap(shown);
                    if (!Cv2.ImWrite(files[i], mat))
                        throw new IOException($"{files[i]}: could not write the thumbnail (disk full or no permission?)");
                }
                if (frame.Index >= last)
                    break;
            }
        }
        if (files.Any(f => f is null))
            throw new InvalidDataException($"{clip}: ended before frame {last}; is it the clip this index was made from?");
        return files;
    }
}
