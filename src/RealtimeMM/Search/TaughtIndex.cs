using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using RealtimeMM.Bundle;
using RealtimeMM.Teaching;

namespace RealtimeMM.Search;

/// <summary>
/// Which taught names the frames of an index showed, for text search by taught name ("a van").
/// Beside the index (<see cref="PathFor"/>: <c>INDEX.taught</c>) the recorder writes a JSON line for
/// every frame it stores while names are taught (<see cref="FrameIndexRecorder.Taught"/>): the frame's
/// number and time and each taught name's best score on it (its likeness minus its background's;
/// above <see cref="Threshold"/> the name was found). Each line carries its own CRC-32; lines are
/// only appended, so a crash tears at most the last one, and a damaged line is dropped alone
/// (<see cref="Dropped"/>). Names taught after a frame was stored are not searchable on that frame:
/// the frame's features are not kept.
/// </summary>
public sealed class TaughtIndex
{
    public const string Format = "rtmm-taught-index";
    public const int Version = 1;

    /// <summary>A stored frame and each taught name's best score on it.</summary>
    public sealed record Entry(long FrameIndex, double Seconds, IReadOnlyDictionary<string, float> Scores);

    TaughtIndex(string path, string features, List<Entry> entries, int dropped)
    {
        Path = path;
        Features = features;
        Entries = entries;
        Dropped = dropped;
        Names = entries.SelectMany(e => e.Scores.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The file of taught names' scores that goes with the index at <paramref name="indexPath"/>.</summary>
    public static string PathFor(string indexPath) => indexPath + ".taught";

    public string Path { get; }

    /// <summary>The features the scores were made with (<see cref="Features.ImageFeatures.Name"/>).</summary>
    public string Features { get; }

    public IReadOnlyList<Entry> Entries { get; }

    /// <summary>Every name some frame was scored for.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Lines that failed their checksum or were cut short, left out.</summary>
    public int Dropped { get; }

    /// <summary>The score above which a name was found on a frame (the taught answerer's presence threshold).</summary>
    public static float Threshold => TaughtMatcher.Presence;

    /// <summary>Reads the file. Throws <see cref="FrameIndexException"/> when it is missing, or its header is damaged or of another format or a newer version.</summary>
    public static TaughtIndex Load(string path)
    {
        if (!File.Exists(path))
            throw new FrameIndexException(path, "file not found");
        string text;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        using (var reader = new StreamReader(stream, Encoding.UTF8))
            text = reader.ReadToEnd();
        var lines = text.Split('\n');
        string features = Header(path, lines[0]);
        var entries = new List<Entry>();
        int dropped = 0;
        // the last piece is empty when the file ends with a newline; anything else there is a torn line
        for (int i = 1; i < lines.Length; i++)
        {
            if (i == lines.Length - 1 && lines[i].Length == 0)
                break;
            if (ChecksummedLines.Checked(lines[i]) is { } node && EntryOf(node) is { } entry)
                entries.Add(entry);
            else
                dropped++;
        }
        return new TaughtIndex(path, features, entries, dropped);
    }

    internal static string Header(string path, string line)
    {
        var header = ChecksummedLines.Checked(line) ?? throw new FrameIndexException(path, "its first line (the header) is damaged");
        if ((string?)header["format"] != Format)
            throw new FrameIndexException(path, $"not a taught-names index (format '{(string?)header["format"]}', expected '{Format}')");
        int version = (int?)header["version"] ?? 0;
        if (version > Version)
            throw new FrameIndexException(path, $"version {version} is newer than this SDK reads ({Version})");
        return (string?)header["features"] ?? throw new FrameIndexException(path, "the header does not name its features");
    }

    static Entry? EntryOf(JsonObject node)
    {
        if (node["frame"] is not JsonValue frame || node["seconds"] is not JsonValue seconds || node["names"] is not JsonObject names)
            return null;
        var scores = new Dictionary<string, float>();
        foreach (var (name, value) in names)
            if (value is JsonValue v && v.TryGetValue(out double s))
                scores[name] = (float)s;
        return new Entry(frame.GetValue<long>(), seconds.GetValue<double>(), scores);
    }

    /// <summary>The taught name <paramref name="text"/> says (the longest, if several), or null.</summary>
    public string? NameIn(string text)
    {
        var words = QuestionTokenizer.Words(text);
        return Names.Where(n => TaughtNames.Find(words, n) is not null).MaxBy(n => n.Length);
    }

    /// <summary>
    /// The frames that show the taught name <paramref name="text"/> says, best score first, each at
    /// least <see cref="SearchOptions.MinGapSeconds"/> from a better hit; null when the text says no
    /// name this file scored (search the embeddings instead). Only the name counts: a color or other
    /// words around it are not checked.
    /// </summary>
    public TextSearchResult? Find(string text, SearchOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        options ??= new SearchOptions();
        options.Validate();
        if (NameIn(text) is not { } name)
            return null;
        var scored = Entries.Select((e, row) => (Entry: e, Row: row))
            .Where(x => x.Entry.Scores.ContainsKey(name) && options.InRange(x.Entry.Seconds))
            .Select(x => new SearchHit(x.Row, x.Entry.FrameIndex, x.Entry.Seconds, x.Entry.Scores[name]))
            .OrderByDescending(h => h.Score).ThenBy(h => h.Row).ToList();
        if (scored.Count == 0)
            return new(text, [], false, float.NaN, Threshold, $"no frame in the time range was scored for '{name}'");
        float best = scored[0].Score;
        var hits = options.KeepApart(scored.TakeWhile(h => h.Score > Threshold));
        return hits.Count == 0
            ? new(text, [], false, best, Threshold, $"no frame shows the taught '{name}' (best score {best.ToString("F3", CultureInfo.InvariantCulture)}, found needs above {Threshold.ToString("F2", CultureInfo.InvariantCulture)})")
            : new(text, hits, true, best, Threshold, null);
    }
}

/// <summary>Appends lines to a <see cref="TaughtIndex"/> file; a torn last line left by a crash is cut off when it opens.</summary>
internal sealed class TaughtIndexWriter : IDisposable
{
    readonly FileStream file;

    TaughtIndexWriter(FileStream file) => this.file = file;

    /// <summary>Opens (or starts) the file for scores made with <paramref name="features"/>; throws <see cref="FrameIndexException"/> for another format or other features.</summary>
    public static TaughtIndexWriter Open(string path, string features)
    {
        var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            if (file.Length == 0)
            {
                file.Write(Encoding.UTF8.GetBytes(ChecksummedLines.Line(new JsonObject { ["format"] = TaughtIndex.Format, ["version"] = TaughtIndex.Version, ["features"] = features }) + "\n"));
                file.Flush(flushToDisk: true);
                return new TaughtIndexWriter(file);
            }
            var bytes = new byte[file.Length];
            file.ReadExactly(bytes);
            string text = Encoding.UTF8.GetString(bytes);
            int firstEnd = text.IndexOf('\n');
            string had = TaughtIndex.Header(path, firstEnd < 0 ? text : text[..firstEnd]);
            if (had != features)
                throw new FrameIndexException(path, $"its scores come from '{had}', the taught names now from '{features}'");
            // keep whole lines only: a crash mid-append leaves a line without its newline
            int lastEnd = Array.LastIndexOf(bytes, (byte)'\n');
            file.SetLength(lastEnd + 1);
            file.Seek(0, SeekOrigin.End);
            return new TaughtIndexWriter(file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    public void Append(long frameIndex, double seconds, IReadOnlyDictionary<string, float> scores)
    {
        var names = new JsonObject();
        foreach (var (name, score) in scores.OrderBy(p => p.Key, StringComparer.Ordinal))
            names[name] = Math.Round(score, 4);
        file.Write(Encoding.UTF8.GetBytes(ChecksummedLines.Line(new JsonObject { ["frame"] = frameIndex, ["seconds"] = Math.Round(seconds, 3), ["names"] = names }) + "\n"));
        file.Flush();
    }

    public void Dispose() => file.Dispose();
}
