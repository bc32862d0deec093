using System.CommandLine;
using Cv2 = OpenCvSharp.Cv2;
using RealtimeMM.Sources;
using RealtimeMM.Capture;
using RealtimeMM.Capture.OpenCv;
using RealtimeMM.Frames;
using RealtimeMM.Gpu;
using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;
using RealtimeMM.Overlay;
using RealtimeMM.Replay;
using RealtimeMM.Search;

namespace RealtimeMM.Cli.Commands;

/// <summary>
/// <c>rtmm search CLIP-OR-INDEX --text Q</c>: the frames that show what the text says, with
/// timestamps and scores. With the clip at hand, the best candidates by embedding are re-ranked by
/// the cross-attention model ("is there TEXT" on each frame) and a hit needs its "yes"; with only
/// an index, hits are ranked by similarity and need the calibrated match threshold.
/// <c>--thumbs DIR</c> writes each hit as a PNG with the model's attention over it. Says so when
/// nothing matches instead of listing arbitrary frames. A text that names a taught name is searched
/// by the taught names' scores beside the index (<see cref="TaughtIndex"/>, written with --vocabulary).
/// </summary>
internal static class SearchCommand
{
    public static Command Create(Terminal terminal)
    {
        var source = new Argument<string>("source") { Description = "An index file (.rtmmidx), or the clip or video whose index `rtmm index` made" };
        var text = new Option<string?>("--text") { Description = "What to look for, e.g. \"a red car\"" };
        var eval = new Option<bool>("--eval") { Description = "Score the search on a generated clip (`rtmm scene`) instead: one single-object query per indexed frame from the clip's ground truth; R@1 and R@5 by embedding and re-ranked" };
        var top = Options.Positive("--top", "Most hits to show", 5);
        var from = new Option<double?>("--from") { Description = "Only frames at or after this time, seconds" };
        var to = new Option<double?>("--to") { Description = "Only frames at or before this time, seconds" };
        var gap = new Option<double>("--gap") { Description = "Leave out hits closer than this to a better one, seconds (0 keeps all)", DefaultValueFactory = _ => new SearchOptions().MinGapSeconds };
        var rerank = new Option<int>("--rerank") { Description = "Candidates (by embedding) the cross-attention model re-ranks, reading them from the clip; 0: embedding only", DefaultValueFactory = _ => 20 };
        var thumbs = new Option<string?>("--thumbs") { Description = "Write each hit as DIR/hit-N.png with the attention overlay (needs the clip)" };
        var json = Options.Json();
        var model = Options.Model();
        var command = new Command("search", "Find the frames of an indexed clip that show what a text says") { source, text, eval, top, from, to, gap, rerank, thumbs, json, model };
        command.SetGuardedAction(terminal, (parse, cancel) =>
        {
            string spec = parse.GetValue(source)!;
            bool indexGiven = spec.EndsWith(".rtmmidx", StringComparison.OrdinalIgnoreCase);
            string indexPath = indexGiven ? spec : FrameIndex.PathFor(spec);
            if (!File.Exists(indexPath))
                throw new FileNotFoundException(indexGiven ? $"{indexPath}: file not found" : $"{spec}: no index beside it ({indexPath}); make one with `rtmm index {spec}`");
            var index = FrameIndex.Load(indexPath);
            if (index.Recovered is { } r)
                terminal.Error.WriteLine($"warning: {indexPath}: {r}");
            using var answerer = QuestionAnswerer.Open(parse.GetValue(model), DevicePreference.Cpu, warn: terminal.Error.WriteLine);
            index.Header.CheckCompatible(answerer.Bundle, indexPath);
            var search = new TextSearch(answerer);
            var options = new SearchOptions { Top = parse.GetValue(top), From = parse.GetValue(from), To = parse.GetValue(to), MinGapSeconds = parse.GetValue(gap) };
            if (parse.GetValue(eval))
                return Evaluate(terminal, index, indexGiven ? index.Header.Source : spec, answerer, search, parse.GetValue(rerank), parse.GetValue(json), cancel);
            string query = parse.GetValue(text) ?? throw new UsageException("--text: say what to look for (or --eval to score the search on a generated clip)");
            // a taught name ("a van") is searched by the scores the recorder kept beside the index
            string taughtPath = TaughtIndex.PathFor(indexPath);
            if (File.Exists(taughtPath) && TaughtIndex.Load(taughtPath) is var taughtIndex && taughtIndex.Find(query, options) is { } byName)
            {
                if (taughtIndex.Dropped > 0)
                    terminal.Error.WriteLine($"warning: {taughtPath}: {taughtIndex.Dropped} damaged line(s) left out");
                return PrintTaught(terminal, byName, taughtIndex, parse.GetValue(json));
            }
            var (embedding, problem) = search.Embed(query);
            if (embedding is null)
                throw new UsageException($"--text \"{query}\": {problem}");
            int depth = parse.GetValue(rerank);
            if (depth < 0)
                throw new UsageException($"--rerank {depth}: must be 0 (off) or a number of candidates");
            string clip = indexGiven ? index.Header.Source : spec;
            bool clipReadable = Directory.Exists(clip) || File.Exists(clip);
            if (depth > 0 && !clipReadable)
                terminal.Error.WriteLine($"warning: the clip '{clip}' is not here to re-rank from: ranking by embedding only");
            bool asJson = parse.GetValue(json);
            string? thumbDir = parse.GetValue(thumbs);

            List<(SearchHit Hit, float? Yes)> hits;
            string? reason = null;
            float best;
            using var frames = new FrameCache();
            if (depth > 0 && clipReadable && index.Count > 0)
            {
                var candidates = index.Store.Search(embedding, options with { Top = Math.Max(depth, options.Top) });
                frames.Read(clip, candidates.Select(c => c.FrameIndex), cancel);
                var ranked = search.Rerank(query, candidates, c => frames.Get(c.FrameIndex) is { } f ? answerer.Encode(f) : null);
                best = ranked.Count > 0 ? ranked[0].Yes : float.NaN;
                hits = ranked.Where(x => x.Yes >= 0.5f).Take(options.Top).Select(x => (x.Hit, (float?)x.Yes)).ToList();
                if (hits.Count == 0)
                    reason = ranked.Count == 0 ? "no frame in the time range" : $"no frame shows '{query}' (of the {ranked.Count} most similar, the likeliest has P(yes) = {best:F2})";
            }
            else
            {
                var found = search.Find(index.Store, query, options);
                best = found.BestScore;
                hits = found.Hits.Select(h => (h, (float?)null)).ToList();
                reason = found.Reason;
            }
            if (hits.Count == 0)
            {
                if (asJson)
                    JsonLines.Write(terminal.Out, new { query, matched = false, reason, best = Round(best), frames = index.Count });
                else
                    terminal.Out.WriteLine($"{reason} ({index.Count} frames searched)");
                return 0;
            }
            string[]? files = null;
            if (thumbDir is not null)
            {
                if (!clipReadable)
                    throw new FileNotFoundException($"--thumbs: the clip '{clip}' is not here to take the frames from");
                frames.Read(clip, hits.Select(h => h.Hit.FrameIndex), cancel);
                files = Thumbnails(answerer, frames, thumbDir, query, hits.Select(h => h.Hit).ToList());
            }
            for (int i = 0; i < hits.Count; i++)
            {
                var (h, yes) = hits[i];
                if (asJson)
                    JsonLines.Write(terminal.Out, new { query, rank = i + 1, frame = h.FrameIndex, seconds = Math.Round(h.Seconds, 3), similarity = Round(h.Score), yes = yes is { } y ? Round(y) : (double?)null, thumbnail = files?[i] });
                else
                    terminal.Out.WriteLine($"{i + 1,2}. {h.Seconds,9:F2} s  frame {h.FrameIndex,-7} similarity {h.Score:F3}{(yes is { } p ? $"  P(yes) {p:F3}" : "")}{(files is null ? "" : "  " + files[i])}");
            }
            return 0;
        });
        return command;
    }

    static int PrintTaught(Terminal terminal, TextSearchResult found, TaughtIndex index, bool asJson)
    {
        string query = found.Query;
        if (!found.Matched)
        {
            if (asJson)
                JsonLines.Write(terminal.Out, new { query, matched = false, reason = found.Reason, best = Round(found.BestScore), frames = index.Entries.Count, answerer = "taught-examples" });
            else
                terminal.Out.WriteLine($"{found.Reason} ({index.Entries.Count} frames searched, by taught name)");
            return 0;
        }
        for (int i = 0; i < found.Hits.Count; i++)
        {
            var h = found.Hits[i];
            if (asJson)
                JsonLines.Write(terminal.Out, new { query, rank = i + 1, frame = h.FrameIndex, seconds = Math.Round(h.Seconds, 3), score = Round(h.Score), answerer = "taught-examples" });
            else
                terminal.Out.WriteLine($"{i + 1,2}. {h.Seconds,9:F2} s  frame {h.FrameIndex,-7} taught-name score {h.Score:F3}");
        }
        return 0;
    }

    /// <summary>
    /// <c>--eval</c>: for each indexed frame, a query for one of the objects the clip's ground truth
    /// puts in it ("a red car", drawn by a fixed seed) searched over the whole index; a hit at rank k
    /// when a frame among the top k shows that class in that color. By embedding alone, then with the
    /// top <paramref name="depth"/> re-ranked by the cross-attention model (frames encoded once, up front).
    /// </summary>
    static int Evaluate(Terminal terminal, FrameIndex index, string clip, QuestionAnswerer answerer, TextSearch search, int depth, bool asJson, CancellationToken cancel)
    {
        if (!ReplayClip.IsClip(clip))
            throw new UsageException($"--eval: '{clip}' is not a replay clip with ground truth (clip.json); make one with `rtmm scene --count N --out DIR` and index it");
        var truth = ReplayClip.LoadSidecar(ReplayClip.SidecarPath(clip)).Frames
            .ToDictionary(f => f.Index, f => (f.Objects ?? []).Select(o => (o.Class, o.Color)).ToHashSet());
        var store = index.Store;
        var indexed = Enumerable.Range(0, store.Count).Select(store.FrameAt).ToHashSet();
        var encodings = new Dictionary<long, FrameEncoding>();
        using (var progress = new Progress(terminal, "encode", indexed.Count))
        using (var src = FrameSource.Open(clip))
            while (encodings.Count < indexed.Count && src.Read(cancel) is { } frame)
                using (frame)
                    if (indexed.Contains(frame.Index))
                    {
                        encodings[frame.Index] = answerer.Encode(frame);
                        progress.Report(encodings.Count);
                    }
        var rng = new Random(5);
        int n = 0, r1 = 0, r5 = 0, rr1 = 0, rr5 = 0;
        var options = new SearchOptions { Top = Math.Max(depth, 5), MinGapSeconds = 0 };
        bool Shows(SearchHit h, (string, string) want) => truth.TryGetValue(h.FrameIndex, out var s) && s.Contains(want);
        using (var progress = new Progress(terminal, "search", store.Count))
            for (int row = 0; row < store.Count; row++)
            {
                cancel.ThrowIfCancellationRequested();
                progress.Report(row + 1);
                if (!truth.TryGetValue(store.FrameAt(row), out var shown) || shown.Count == 0)
                    continue;
                var (want, query) = EvalCommand.SingleObjectQuery(shown, rng);
                var (embedding, _) = search.Embed(query);
                n++;
                if (embedding is null)
                    continue;
                var hits = store.Search(embedding, options);
                r1 += hits.Count > 0 && Shows(hits[0], want) ? 1 : 0;
                r5 += hits.Take(5).Any(h => Shows(h, want)) ? 1 : 0;
                if (depth == 0)
                    continue;
                var ranked = search.Rerank(query, hits, h => encodings.GetValueOrDefault(h.FrameIndex)).Select(x => x.Hit).Take(5).ToList();
                rr1 += ranked.Count > 0 && Shows(ranked[0], want) ? 1 : 0;
                rr5 += ranked.Any(h => Shows(h, want)) ? 1 : 0;
            }
        double P(int k) => Math.Round(100.0 * k / Math.Max(n, 1), 2);
        if (asJson)
            JsonLines.Write(terminal.Out, new { frames = store.Count, queries = n, r1 = P(r1), r5 = P(r5), reranked = depth > 0 ? new { r1 = P(rr1), r5 = P(rr5), depth } : null });
        else
            terminal.Out.WriteLine($"{n} single-object queries over {store.Count} indexed frames: by embedding R@1 {P(r1):F2}%, R@5 {P(r5):F2}%" +
                (depth > 0 ? $"; the top {depth} re-ranked: R@1 {P(rr1):F2}%, R@5 {P(rr5):F2}%" : ""));
        return 0;
    }

    static double Round(float v) => float.IsFinite(v) ? Math.Round(v, 4) : double.NaN;

    /// <summary>Each hit's frame with the attention of "is there TEXT" over it, as DIR/hit-N.png.</summary>
    static string[] Thumbnails(QuestionAnswerer answerer, FrameCache frames, string dir, string query, IReadOnlyList<SearchHit> hits)
    {
        Directory.CreateDirectory(dir);
        string question = TextSearch.PresenceQuestion(query);
        using var heat = new CpuOverlayRenderer(new OverlaySpec());
        var files = new string[hits.Count];
        for (int i = 0; i < hits.Count; i++)
        {
            var frame = frames.Get(hits[i].FrameIndex) ?? throw new InvalidDataException($"the clip has no frame {hits[i].FrameIndex}; is it the clip this index was made from?");
            var answer = answerer.Ask(frame, question);
            using var blended = answer.Attention is { } map ? heat.Blend(frame, map.Values, map.GridWidth, map.GridHeight) : frame.Clone(frame.Index, frame.Timestamp);
            using var shown = TruthOverlay.Draw(blended, null, $"{query}: similarity {hits[i].Score:F3}", $"frame {frame.Index}  {frame.Timestamp.TotalSeconds:F2} s");
            files[i] = Path.Combine(dir, $"hit-{i + 1}.png");
            using var mat = MatFrames.Wrap(shown);
            if (!Cv2.ImWrite(files[i], mat))
                throw new UsageException($"{files[i]}: could not write the thumbnail (disk full or no permission?)");
        }
        return files;
    }

    /// <summary>Frames of a clip by index, read in one pass up to the last one wanted; owns and disposes them.</summary>
    sealed class FrameCache : IDisposable
    {
        readonly Dictionary<long, Frame> frames = [];

        public Frame? Get(long index) => frames.GetValueOrDefault(index);

        public void Read(string clip, IEnumerable<long> wanted, CancellationToken cancel)
        {
            var missing = wanted.Where(i => !frames.ContainsKey(i)).ToHashSet();
            if (missing.Count == 0)
                return;
            long last = missing.Max();
            using var src = FrameSource.Open(clip);
            while (src.Read(cancel) is { } frame)
            {
                if (missing.Contains(frame.Index))
                    frames[frame.Index] = frame;
                else
                    frame.Dispose();
                if (frame.Index >= last)
                    break;
            }
        }

        public void Dispose()
        {
            foreach (var f in frames.Values)
                f.Dispose();
            frames.Clear();
        }
    }
}
