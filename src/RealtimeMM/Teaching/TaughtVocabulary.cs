using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using RealtimeMM.Features;

namespace RealtimeMM.Teaching;

/// <summary>
/// The names taught by example and their examples, kept in a vocabulary file (JSON lines: a header
/// naming the format, its version and the feature extractor, then one example a line, each line
/// with its own CRC-32). Every change rewrites the file atomically (a new file beside it, flushed to
/// disk, then renamed over it), so a crash during a write loses nothing written before. Opening a
/// damaged file keeps every whole line and says what it dropped (<see cref="Dropped"/>); the damaged
/// file is kept as FILE.damaged before the first change overwrites it. Thread-safe.
/// </summary>
public sealed class TaughtVocabulary
{
    public const string Format = "rtmm-vocabulary";
    public const int Version = 1;

    readonly object gate = new();
    readonly List<TaughtExample> examples = [];
    bool keepDamaged;

    TaughtVocabulary(string? path, string features, int channels)
    {
        Path = path;
        Features = features;
        Channels = channels;
    }

    /// <summary>The file, or null for a vocabulary kept in memory only.</summary>
    public string? Path { get; }

    /// <summary>The feature extractor its vectors come from (<see cref="ImageFeatures.Name"/>).</summary>
    public string Features { get; }

    /// <summary>Numbers in each vector.</summary>
    public int Channels { get; }

    /// <summary>What opening the file dropped, one line each ("line 7 (an example of 'van'): its checksum does not match"); empty when it was whole.</summary>
    public IReadOnlyList<string> Dropped { get; private set; } = [];

    /// <summary>Raised after every change (teach, forget, rename), once the file is written.</summary>
    public event EventHandler? Changed;

    /// <summary>A vocabulary in memory only.</summary>
    public static TaughtVocabulary InMemory(string features, int channels) => new(null, features, channels);

    /// <summary>
    /// Opens the vocabulary file at <paramref name="path"/> (an empty vocabulary when there is none
    /// yet; the file is written at the first change). Throws <see cref="VocabularyException"/> when
    /// the file cannot be used at all: an unreadable header, another format, a newer version, or
    /// vectors from another feature extractor than <paramref name="features"/>.
    /// </summary>
    public static TaughtVocabulary Open(string path, string features, int channels)
    {
        var vocabulary = new TaughtVocabulary(System.IO.Path.GetFullPath(path), features, channels);
        if (!File.Exists(path))
            return vocabulary;
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (IOException e)
        {
            throw new VocabularyException(path, $"cannot be read ({e.Message})", e);
        }
        var lines = Encoding.UTF8.GetString(bytes).Split('\n');
        bool endsWhole = bytes.Length > 0 && bytes[^1] == (byte)'\n';
        var header = ChecksummedLines.Checked(lines[0]) ?? throw new VocabularyException(path, "its first line (the header) is damaged: the file is left as it is");
        if (header["format"]?.GetValue<string>() != Format)
            throw new VocabularyException(path, $"not a vocabulary file (format '{header["format"]}', expected '{Format}')");
        int version = header["version"]?.GetValue<int>() ?? 0;
        if (version > Version)
            throw new VocabularyException(path, $"version {version} is newer than this SDK reads ({Version})");
        string theirs = header["features"]?.GetValue<string>() ?? "";
        if (theirs != features || header["channels"]?.GetValue<int>() != channels)
            throw new VocabularyException(path, $"its vectors come from '{theirs}', this session's features are '{features}': teach the names again for these features, or open it with those");
        var dropped = new List<string>();
        int last = lines.Length - 1;
        for (int i = 1; i <= last; i++)
        {
            if (lines[i].Length == 0 && (i == last || string.IsNullOrWhiteSpace(lines[i])))
                continue;
            string? what = null;
            try
            {
                var node = ChecksummedLines.Checked(lines[i]);
                if (node is null)
                {
                    what = i == last && !endsWhole ? "cut short (the file ends mid-line)" : "its checksum does not match";
                    dropped.Add($"line {i + 1}{NameIn(lines[i])}: {what}");
                    continue;
                }
                vocabulary.examples.Add(ExampleOf(node, channels));
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or KeyNotFoundException or ArgumentException)
            {
                dropped.Add($"line {i + 1}{NameIn(lines[i])}: {e.Message}");
            }
        }
        vocabulary.Dropped = dropped;
        vocabulary.keepDamaged = dropped.Count > 0;
        return vocabulary;
    }

    /// <summary>The taught names, in the order first taught.</summary>
    public IReadOnlyList<string> Names
    {
        get
        {
            lock (gate)
                return examples.Where(e => !e.Negative).Select(e => e.Name).Distinct().ToList();
        }
    }

    /// <summary>A name's examples (positive and negative), in the order taught.</summary>
    public IReadOnlyList<TaughtExample> ExamplesOf(string name)
    {
        string n = TaughtNames.Normalise(name);
        lock (gate)
            return examples.Where(e => e.Name == n).ToList();
    }

    /// <summary>Every example, in the order taught.</summary>
    public IReadOnlyList<TaughtExample> Examples
    {
        get
        {
            lock (gate)
                return examples.ToList();
        }
    }

    /// <summary>Adds an example and writes the file.</summary>
    public void Add(TaughtExample example)
    {
        ArgumentNullException.ThrowIfNull(example);
        if (example.Vector.Length != Channels || example.Background.Any(b => b.Length != Channels)
            || (example.Views ?? []).Any(v => v.Vector.Length != Channels || v.Background.Any(b => b.Length != Channels)))
            throw new ArgumentException($"an example's vectors must have {Channels} numbers (the vocabulary's features '{Features}')", nameof(example));
        Change(() => examples.Add(example with { Name = TaughtNames.Normalise(example.Name) }));
    }

    /// <summary>Forgets a name and all its examples; false when it was not taught.</summary>
    public bool Forget(string name)
    {
        string n = TaughtNames.Normalise(name);
        bool found = false;
        Change(() => found = examples.RemoveAll(e => e.Name == n) > 0, onlyIf: () => examples.Any(e => e.Name == n));
        return found;
    }

    /// <summary>Renames a taught name. Throws <see cref="ArgumentException"/> when it was not taught or the new name is taken.</summary>
    public void Rename(string name, string newName)
    {
        string from = TaughtNames.Normalise(name), to = TaughtNames.Normalise(newName);
        lock (gate)
        {
            if (!examples.Any(e => e.Name == from))
                throw new ArgumentException($"'{from}' was never taught", nameof(name));
            if (from != to && examples.Any(e => e.Name == to))
                throw new ArgumentException($"'{to}' is taught already: forget it first, or teach its examples under one name", nameof(newName));
        }
        Change(() =>
        {
            for (int i = 0; i < examples.Count; i++)
                if (examples[i].Name == from)
                    examples[i] = examples[i] with { Name = to };
        });
    }

    void Change(Action change, Func<bool>? onlyIf = null)
    {
        lock (gate)
        {
            if (onlyIf is not null && !onlyIf())
                return;
            var before = examples.ToList();
            change();
            try
            {
                Write();
            }
            catch
            {
                examples.Clear();
                examples.AddRange(before);
                throw;
            }
        }
        Changed?.Invoke(this, EventArgs.Empty);
    }

    void Write()
    {
        if (Path is null)
            return;
        if (keepDamaged && File.Exists(Path))
        {
            File.Copy(Path, Path + ".damaged", overwrite: true);
            keepDamaged = false;
        }
        var text = new StringBuilder();
        text.Append(ChecksummedLines.Line(new JsonObject { ["format"] = Format, ["version"] = Version, ["features"] = Features, ["channels"] = Channels })).Append('\n');
        foreach (var e in examples)
            text.Append(ChecksummedLines.Line(NodeOf(e))).Append('\n');
        string temp = Path + ".writing";
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(Encoding.UTF8.GetBytes(text.ToString()));
            file.Flush(flushToDisk: true);
        }
        File.Move(temp, Path, overwrite: true);
    }

    static string NameIn(string line)
    {
        int at = line.IndexOf("\"name\":\"", StringComparison.Ordinal);
        if (at < 0)
            return "";
        int end = line.IndexOf('"', at + 8);
        return end < 0 ? "" : $" (an example of '{line[(at + 8)..end]}')";
    }

    static JsonObject NodeOf(TaughtExample e)
    {
        var node = Node(e);
        if (e.Views is { Count: > 0 } views)
            node["views"] = new JsonArray(views.Select(v => (JsonNode)new JsonObject
            {
                ["scale"] = v.Scale, ["vector"] = Vector(v.Vector), ["background"] = Vectors(v.Background),
            }).ToArray());
        return node;
    }

    static JsonObject Node(TaughtExample e) => new()
    {
        ["name"] = e.Name,
        ["negative"] = e.Negative,
        ["box"] = new JsonArray(e.Box.X, e.Box.Y, e.Box.Width, e.Box.Height),
        ["frame"] = new JsonArray(e.FrameWidth, e.FrameHeight),
        ["source"] = e.Source,
        ["taught"] = e.Taught.ToString("O", CultureInfo.InvariantCulture),
        ["vector"] = Vector(e.Vector),
        ["background"] = Vectors(e.Background),
    };

    static TaughtExample ExampleOf(JsonObject n, int channels)
    {
        float[] Read(JsonNode? v)
        {
            var bytes = Convert.FromBase64String(v!.GetValue<string>());
            if (bytes.Length != 4 * channels)
                throw new FormatException($"a vector has {bytes.Length / 4} numbers, the header says {channels}");
            var f = new float[channels];
            Buffer.BlockCopy(bytes, 0, f, 0, bytes.Length);
            return f;
        }
        var box = n["box"]!.AsArray().Select(x => x!.GetValue<float>()).ToArray();
        var frame = n["frame"]!.AsArray().Select(x => x!.GetValue<int>()).ToArray();
        return new TaughtExample(TaughtNames.Normalise(n["name"]!.GetValue<string>()), Read(n["vector"]),
            n["background"]!.AsArray().Select(Read).ToList(), new BoxF(box[0], box[1], box[2], box[3]), frame[0], frame[1],
            n["negative"]!.GetValue<bool>(), n["source"]?.GetValue<string>() ?? "",
            DateTimeOffset.Parse(n["taught"]!.GetValue<string>(), CultureInfo.InvariantCulture),
            n["views"]?.AsArray().Select(v => new TaughtView(v!["scale"]!.GetValue<double>(), Read(v["vector"]), v["background"]!.AsArray().Select(Read).ToList())).ToList());
    }

    static JsonArray Vectors(IEnumerable<float[]> vectors) => new(vectors.Select(b => (JsonNode)Vector(b)!).ToArray());

    static string Vector(float[] v)
    {
        var bytes = new byte[v.Length * 4];
        Buffer.BlockCopy(v, 0, bytes, 0, bytes.Length);
        return Convert.ToBase64String(bytes);
    }
}
