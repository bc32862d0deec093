using System.Text.Json;
using System.Text.Json.Nodes;
using RealtimeMM.Fusion;
using RealtimeMM.Answering;

namespace RealtimeMM.Bundle;

/// <summary>
/// What a model knows about: the world it was trained for, read from its bundle (manifest version 2,
/// field <c>world</c>) or from a world file (<c>rtmm dataset --world FILE</c>, which makes the
/// scenes for such a model). Classes (singular, plural, other words), colors, the position rule,
/// the counts, the question kinds with their phrasings and the answer vocabulary. Everything that
/// reads or says the world's words (the question normaliser, the speech grammar, scene
/// descriptions, the answers' decoding) reads them here, so a bundle of another world works as is.
/// A version-1 bundle, which has no world, gets <see cref="Default"/>: the world it was made for.
/// </summary>
public sealed record World
{
    public const string Several = "several", Unanswerable = "unanswerable";

    /// <summary>The question kinds this build can phrase and decode.</summary>
    public static readonly IReadOnlyList<string> KnownKinds = ["color", "count", "exist", "position", "identify"];

    static readonly string[] Thirds = ["top left", "top", "top right", "left", "center", "right", "bottom left", "bottom", "bottom right"];

    public required string Name { get; init; }

    /// <summary>Where the world was read from (a world file, a manifest), for errors; null when made in code.</summary>
    public string? Source { get; init; }
    public required IReadOnlyList<WorldClass> ClassList
    {
        get => classList;
        init
        {
            classList = value;
            Classes = value.Select(c => c.Name).ToArray();
        }
    }

    readonly IReadOnlyList<WorldClass> classList = [];
    public required IReadOnlyList<string> Colors { get; init; }

    /// <summary>Position answers: the object's box center in thirds of the frame (rule <c>thirds</c>).</summary>
    public IReadOnlyList<string> Positions => Thirds;

    /// <summary>The largest count the model answers (counts are 0..MaxCount).</summary>
    public required int MaxCount { get; init; }

    /// <summary>Each question kind's phrasings: {0} the subject, {1} "a" or "an" (see docs/scenes.md).</summary>
    public required IReadOnlyDictionary<string, IReadOnlyList<string>> Phrasings
    {
        get => phrasings;
        init
        {
            phrasings = value;
            QuestionKinds = value.Keys.ToArray();
        }
    }

    readonly IReadOnlyDictionary<string, IReadOnlyList<string>> phrasings = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>The answer vocabulary, in the order of the model's logits.</summary>
    public required IReadOnlyList<string> Answers { get; init; }

    /// <summary>The class names, in order (made once, from <see cref="ClassList"/>).</summary>
    public IReadOnlyList<string> Classes { get; private init; } = [];

    /// <summary>The question kinds the world takes (the keys of <see cref="Phrasings"/>).</summary>
    public IReadOnlyList<string> QuestionKinds { get; private init; } = [];

    /// <summary>Plural of a class name ("people", "buses"); a word that is not a class gets an "s".</summary>
    public string Plural(string className) => ClassList.FirstOrDefault(c => c.Name == className)?.Plural ?? className + "s";

    /// <summary>"a" or "an" for a word.</summary>
    public static string Article(string word) => "aeiou".Contains(word[0]) ? "an" : "a";

    /// <summary>The position name of a point in a frame, by thirds.</summary>
    public string PositionOf(double x, double y, int width, int height)
    {
        int col = x < width / 3.0 ? 0 : x < 2 * width / 3.0 ? 1 : 2;
        int row = y < height / 3.0 ? 0 : y < 2 * height / 3.0 ? 1 : 2;
        return Positions[row * 3 + col];
    }

    /// <summary>A question of <paramref name="kind"/> about <paramref name="subject"/> in the world's first phrasing ("what color is the car"); null when the world has no such kind.</summary>
    public string? Phrase(string kind, string subject) =>
        Phrasings.TryGetValue(kind, out var p) ? string.Format(p[0], subject, Article(subject)) : null;

    /// <summary>The kind an answer belongs to (color, count, exist, position, identify), or "unknown".</summary>
    public string KindOfAnswer(string answer) =>
        Colors.Contains(answer) ? "color" : answer is "yes" or "no" ? "exist" : int.TryParse(answer, out _) ? "count"
        : Positions.Contains(answer) ? "position" : Classes.Contains(answer) ? "identify" : "unknown";

    /// <summary>The answers a world of these classes, colors and counts has, in the order training writes them.</summary>
    public static string[] AnswersFor(IEnumerable<string> colors, int maxCount, IEnumerable<string> classes) =>
        [.. colors, .. Enumerable.Range(0, maxCount + 1).Select(i => i.ToString()), "yes", "no", .. Thirds, .. classes, Several, Unanswerable];

    /// <summary>The world of the generated scenes (docs/scenes.md): the world of every version-1 bundle.</summary>
    public static World Default { get; } = ReadDefault();

    static World ReadDefault()
    {
        using var s = typeof(World).Assembly.GetManifestResourceStream("world-scenes.json")!;
        using var doc = JsonDocument.Parse(s);
        return Read(doc.RootElement, "models/worlds/scenes.json (built in)", "");
    }

    /// <summary>Reads a world file; a fault is a <see cref="WorldException"/> naming the file and field.</summary>
    public static World Load(string path)
    {
        if (!File.Exists(path))
            throw new WorldException(path, "world", "file not found");
        using var doc = JsonFields.Parse(File.ReadAllBytes(path), (problem, e) => new WorldException(path, "world", problem, e));
        return Read(doc.RootElement, path, "");
    }

    /// <summary>Reads a world from JSON (a world file's root, or a manifest's <c>world</c>: <paramref name="prefix"/> "world.").</summary>
    public static World Read(JsonElement root, string file, string prefix)
    {
        var r = new JsonFields(root, (field, problem) => new WorldException(file, prefix + field, problem));
        var classes = new List<WorldClass>();
        var classItems = r.Array("classes");
        for (int i = 0; i < classItems.Count; i++)
        {
            var c = new JsonFields(classItems[i], (field, problem) => new WorldException(file, $"{prefix}classes[{i}].{field}", problem));
            var name = c.Str("name");
            classes.Add(new(name, c.Has("plural") ? c.Str("plural") : name + "s", c.Has("words") ? c.Strings("words", allowEmpty: true) : []));
        }
        var colors = r.Strings("colors");
        var rule = r.Has("positions") ? r.Str("positions") : "thirds";
        if (rule != "thirds")
            throw new WorldException(file, prefix + "positions", $"'{rule}' is not a position rule this build knows (thirds)");
        int maxCount = r.Has("max_count") ? r.Int("max_count", 1, 20) : 6;
        var phrasings = new Dictionary<string, IReadOnlyList<string>>();
        foreach (var kind in r.Keys("question_kinds"))
        {
            if (!KnownKinds.Contains(kind))
                throw new WorldException(file, $"{prefix}question_kinds.{kind}", $"not a question kind this build can answer ({string.Join(", ", KnownKinds)})");
            phrasings[kind] = r.Strings($"question_kinds.{kind}");
            if (phrasings[kind].FirstOrDefault(p => !p.Contains("{0}")) is { } bad)
                throw new WorldException(file, $"{prefix}question_kinds.{kind}", $"phrasing \"{bad}\" has no {{0}} for its subject");
        }
        var answers = r.Has("answers") ? r.Strings("answers") : AnswersFor(colors, maxCount, classes.Select(c => c.Name));
        var world = new World { Source = file, Name = r.Has("name") ? r.Str("name") : "unnamed", ClassList = classes, Colors = colors, MaxCount = maxCount, Phrasings = phrasings, Answers = answers };
        world.Check((field, problem) => new WorldException(file, prefix + field, problem));
        return world;
    }

    void Check(Func<string, string, Exception> fail)
    {
        var words = new HashSet<string>();
        foreach (var (word, field) in Classes.Select(c => (c, "classes")).Concat(Colors.Select(c => (c, "colors"))))
            if (!words.Add(word))
                throw fail(field, $"'{word}' is listed twice");
        if (Answers.Distinct().Count() != Answers.Count)
            throw fail("answers", $"'{Answers.GroupBy(a => a).First(g => g.Count() > 1).Key}' is listed twice");
        foreach (var (word, field) in Colors.Select(c => (c, "colors")).Concat(Classes.Select(c => (c, "classes"))))
            if (!Answers.Contains(word))
                throw fail(field, $"'{word}' has no answer in answers");
        var needs = new Dictionary<string, string[]>
        {
            ["count"] = Enumerable.Range(0, MaxCount + 1).Select(i => i.ToString()).ToArray(), ["exist"] = ["yes", "no"], ["position"] = Thirds,
        };
        foreach (var (kind, answers) in needs)
            if (Phrasings.ContainsKey(kind) && answers.FirstOrDefault(a => !Answers.Contains(a)) is { } missing)
                throw fail("answers", $"the {kind} answer '{missing}' is missing");
        if (!Answers.Contains(Unanswerable))
            throw fail("answers", $"'{Unanswerable}' is missing (the answer for questions outside the world)");
    }

    /// <summary>The world as JSON (a world file, or a manifest's <c>world</c>).</summary>
    public JsonObject ToJson() => new()
    {
        ["format"] = "rtmm-world",
        ["name"] = Name,
        ["classes"] = new JsonArray(ClassList.Select(c => (JsonNode)new JsonObject
        {
            ["name"] = c.Name, ["plural"] = c.Plural, ["words"] = new JsonArray(c.Words.Select(w => (JsonNode)JsonValue.Create(w)!).ToArray()),
        }).ToArray()),
        ["colors"] = new JsonArray(Colors.Select(c => (JsonNode)JsonValue.Create(c)!).ToArray()),
        ["positions"] = "thirds",
        ["max_count"] = MaxCount,
        ["question_kinds"] = new JsonObject(Phrasings.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)new JsonArray(p.Value.Select(t => (JsonNode)JsonValue.Create(t)!).ToArray())))),
        ["answers"] = new JsonArray(Answers.Select(a => (JsonNode)JsonValue.Create(a)!).ToArray()),
    };
}
