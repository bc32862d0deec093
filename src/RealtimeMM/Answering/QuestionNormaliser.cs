using System.Text.Json;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;

namespace RealtimeMM.Answering;

/// <summary>
/// Maps a question as people type it to the world's own wording, so the model is asked what was
/// meant: synonyms (WordNet, the bundle's <c>words.json</c>: "lorry" is a truck, "pup" a dog),
/// British spellings ("colour", "grey"), contractions and possessives ("what's", "the car's"),
/// plurals, one-letter typos ("teh", "colr"), filler words ("please", "can you tell me") and other
/// word orders ("the car is what color"). It finds the question's kind from its cue words and its
/// subject (class, color, left or right) from the world's words, then says it as the world's
/// templates do ("what color is the truck"). A question whose words all belong to the model and
/// whose kind is plain is left as it is. Words it cannot place are refused by name, as before: a
/// question about a unicorn is not turned into one about something else.
/// </summary>
public sealed class QuestionNormaliser
{
    enum Role { Word, Class, Color, Side }

    readonly record struct Token(string Word, Role Role, string Value, bool Plural);

    readonly HashSet<string> vocabulary;
    readonly World world;
    readonly Dictionary<string, Token> known = [];

    static readonly Dictionary<string, string[]> Contractions = new()
    {
        ["what's"] = ["what", "is"], ["whats"] = ["what", "is"], ["where's"] = ["where", "is"], ["wheres"] = ["where", "is"],
        ["it's"] = ["it", "is"], ["there's"] = ["there", "is"], ["how's"] = ["how", "is"], ["that's"] = ["that", "is"],
        ["color's"] = ["color", "is"], ["colour's"] = ["color", "is"], ["i'd"] = ["i"], ["i'm"] = ["i"], ["you're"] = ["you", "are"],
        ["can't"] = ["can"], ["don't"] = ["do"], ["r"] = ["are"], ["u"] = ["you"],
    };

    static readonly Dictionary<string, string> British = new()
    {
        ["colour"] = "color", ["colours"] = "color", ["coloured"] = "color", ["colored"] = "color", ["colors"] = "color", ["grey"] = "gray",
    };

    /// <summary>Words that carry no content, or only the kind's cue: they may stand anywhere in a question.</summary>
    static readonly string[] Fillers =
    [
        "a", "an", "the", "please", "pls", "kindly", "hey", "hi", "hello", "ok", "okay", "so", "now", "just", "exactly", "actually", "really", "quickly",
        "can", "could", "would", "will", "you", "your", "tell", "me", "say", "i", "want", "to", "know", "wonder", "like", "do", "does", "did",
        "is", "are", "be", "it", "its", "this", "that", "these", "those", "there", "here", "in", "on", "at", "of", "for", "with", "from", "by", "about",
        "picture", "image", "photo", "scene", "frame", "view", "shot", "camera", "screen", "overall", "total", "all", "altogether",
        "what", "which", "where", "whereabouts", "how", "many", "much", "number", "count", "counting", "any", "some", "anything", "something",
        "see", "spot", "notice", "find", "detect", "visible", "around", "anywhere", "somewhere", "present", "exist", "exists", "shown", "show",
        "color", "hue", "shade", "tint", "located", "location", "position", "placed", "sitting", "standing", "part", "side", "area", "region",
        "object", "objects", "thing", "things", "item", "items", "kind", "sort", "type", "name", "identify", "have", "has", "got", "would",
        "and", "or", "up", "out", "look", "looks", "looking", "seen", "able", "help", "guess", "think", "one", "ones",
    ];

    static readonly HashSet<string> ColorCues = ["color", "hue", "shade", "tint"];
    static readonly HashSet<string> PositionCues = ["where", "whereabouts", "located", "location", "position", "placed"];
    static readonly HashSet<string> IdentifyCues = ["what", "which", "name", "identify", "kind", "sort", "type"];

    /// <param name="world">The model's world: its classes (and the words people use for them), colors and phrasings.</param>
    /// <param name="vocabulary">The words the model reads (the bundle's tokenizer vocabulary).</param>
    /// <param name="synonyms">World word (class or color) to the other words that mean it.</param>
    public QuestionNormaliser(World world, IEnumerable<string> vocabulary, IReadOnlyDictionary<string, IReadOnlyList<string>> synonyms)
    {
        this.world = world;
        this.vocabulary = vocabulary.ToHashSet();
        // the world's own words for its classes count as synonyms
        var merged = synonyms.ToDictionary(p => p.Key, p => p.Value);
        foreach (var c in world.ClassList.Where(c => c.Words.Count > 0))
            merged[c.Name] = [.. merged.GetValueOrDefault(c.Name) ?? [], .. c.Words.Where(w => !(merged.GetValueOrDefault(c.Name)?.Contains(w) ?? false))];
        synonyms = merged;
        foreach (var w in Fillers)
            known[w] = new(w, Role.Word, w, false);
        foreach (var c in world.Colors)
            known[c] = new(c, Role.Color, c, false);
        foreach (var c in world.Classes)
        {
            known[c] = new(c, Role.Class, c, false);
            known[world.Plural(c)] = new(world.Plural(c), Role.Class, c, true);
        }
        if (world.Classes.Contains("person"))
            known["persons"] = new("persons", Role.Class, "person", true);
        foreach (var side in new[] { "left", "right" })
            known[side] = new(side, Role.Side, side, false);
        // a synonym that names two world words, or is a world word itself, is left out: it would mislead
        var claims = new Dictionary<string, HashSet<string>>();
        foreach (var (worldWord, words) in synonyms)
            foreach (var w in words)
            {
                bool color = world.Colors.Contains(worldWord);
                foreach (var form in color ? [w] : new[] { w, English.Plural(w) })
                    (claims.TryGetValue(form, out var set) ? set : claims[form] = []).Add(worldWord);
            }
        foreach (var (form, worlds) in claims)
        {
            if (worlds.Count != 1 || known.ContainsKey(form))
                continue;
            string worldWord = worlds.First();
            bool color = world.Colors.Contains(worldWord);
            bool plural = !color && !synonyms[worldWord].Contains(form);
            known[form] = new(form, color ? Role.Color : Role.Class, worldWord, plural);
        }
        foreach (var (british, us) in British)
            if (known.TryGetValue(us, out var t))
                known[british] = t with { Word = british }; // "grey" only where the world has gray
        foreach (var w in new[] { "men", "women", "children", "kids", "boys", "girls", "guys", "humans", "pedestrians", "individuals" })
            if (known.TryGetValue(w, out var t))
                known[w] = t with { Plural = true };
    }

    /// <summary>The normaliser for a bundle: its vocabulary, and its synonym table when it has one (<c>words.file</c>).</summary>
    public static QuestionNormaliser For(ModelBundle bundle) =>
        new(bundle.Manifest.World, bundle.Tokenizer.Vocabulary,
            bundle.Manifest.WordsFile is { } file ? LoadSynonyms(Path.Combine(bundle.Folder, file), bundle.Manifest.World) : new Dictionary<string, IReadOnlyList<string>>());

    /// <summary>Reads a synonym table (<c>tools/wordnet/synonyms</c> writes it): world word to its "wordnet" and "by_hand" words.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> LoadSynonyms(string path, World world)
    {
        if (!File.Exists(path))
            throw new ModelBundleException(path, "words.file", "file not found");
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            var table = new Dictionary<string, IReadOnlyList<string>>();
            foreach (var p in doc.RootElement.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Object))
            {
                if (!world.Classes.Contains(p.Name) && !world.Colors.Contains(p.Name))
                    throw new ModelBundleException(path, p.Name, "is not a class or color of the world");
                table[p.Name] = p.Value.EnumerateObject().SelectMany(list => list.Value.EnumerateArray().Select(w => w.GetString()!.ToLowerInvariant())).Distinct().ToArray();
            }
            return table;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new ModelBundleException(path, "words", $"not a synonym table ({e.Message})", e);
        }
    }

    /// <summary>Interprets a question: as it is, reworded in the world's words, or refused with the reason.</summary>
    public ParsedQuestion Interpret(string question)
    {
        var raw = QuestionTokenizer.Words(question);
        var kind = QuestionParser.KindOf(question);
        ParsedQuestion AsAsked(string? refusal = null, bool unknownWords = false)
        {
            var (subject, color) = QuestionParser.SubjectOf(world, question);
            return new(question, question, kind, false, refusal, unknownWords, subject, color);
        }
        if (raw.Length == 0 || (kind != QuestionKind.Unknown && raw.All(vocabulary.Contains)) || kind == QuestionKind.Describe)
            return AsAsked();
        var tokens = new List<Token>();
        var unknown = new List<string>();
        foreach (var word in raw.SelectMany(Expand))
        {
            if (Place(word) is { } t)
                tokens.Add(t);
            else
                unknown.Add(word);
        }
        if (unknown.Count > 0)
            return AsAsked($"unknown word{(unknown.Count > 1 ? "s" : "")} {string.Join(", ", unknown.Select(u => $"'{u}'"))}", unknownWords: true);
        var words = tokens.Select(t => t.Role == Role.Word ? t.Value : "").ToList();
        string[] joined = tokens.Select(t => t.Value).ToArray();
        var cls = tokens.FirstOrDefault(t => t.Role == Role.Class);
        var color = tokens.FirstOrDefault(t => t.Role == Role.Color);
        var side = tokens.FirstOrDefault(t => t.Role == Role.Side);
        bool Has(string w) => words.Contains(w);
        bool HasSequence(string a, string b) => joined.Zip(joined.Skip(1)).Any(p => p.First == a && p.Second == b);
        bool isCount = HasSequence("how", "many") || HasSequence("how", "much") || Has("number") || Has("count") || Has("counting");
        bool isColor = words.Any(ColorCues.Contains);
        bool isPosition = words.Any(PositionCues.Contains) || (HasSequence("which", "part") || HasSequence("what", "part") || HasSequence("which", "side"));
        string? text = null;
        if (isCount && cls.Word is not null)
            text = world.Phrase("count", color.Word is null ? world.Plural(cls.Value) : $"{color.Value} {world.Plural(cls.Value)}");
        else if (isCount && color.Word is not null)
            text = world.Phrase("count", $"{color.Value} objects");
        else if (isColor && !isCount && cls.Word is not null)
            text = world.Phrase("color", $"{cls.Value}{(side.Word is null ? "" : $" on the {side.Value}")}");
        else if (isPosition && cls.Word is not null)
            text = world.Phrase("position", $"{(color.Word is null ? "" : color.Value + " ")}{cls.Value}");
        else if (cls.Word is null && color.Word is not null && words.Any(IdentifyCues.Contains) && !isPosition && !isCount)
            text = world.Phrase("identify", color.Value);
        else if (cls.Word is not null && !isColor && !isPosition && !isCount)
            text = world.Phrase("exist", color.Word is null ? cls.Value : $"{color.Value} {cls.Value}");
        if (text is null)
        {
            if (cls.Word is null && color.Word is null && side.Word is null)
                return AsAsked("the question names nothing the model knows (only words like 'please', 'tell me', 'what')");
            // words placed but no question found in them: asking the model a string of world words would invite a guess
            return AsAsked("it is not clear what the question asks (ask what color, how many, is there, where, or what is the COLOR object)");
        }
        return new(question, text, QuestionParser.KindOf(text), text != string.Join(' ', raw), null, false, cls.Word is null ? null : cls.Value, color.Word is null ? null : color.Value);
    }

    IEnumerable<string> Expand(string word)
    {
        if (Contractions.TryGetValue(word, out var parts))
            return parts;
        if (word.EndsWith("'s", StringComparison.Ordinal) && Place(word[..^2]) is { Role: Role.Class })
            return [word[..^2]]; // the car's colour
        return [word.Trim('\'')];
    }

    /// <summary>
    /// What a word is: known as it is, or within one edit (substitution, insertion, deletion or swap of
    /// neighbours) of exactly one known word of four letters or more, with the same first letter; three-letter
    /// words only by a swap ("teh").
    /// </summary>
    Token? Place(string word)
    {
        if (word.Length == 0)
            return new(word, Role.Word, "", false);
        if (known.TryGetValue(word, out var t))
            return t;
        if (vocabulary.Contains(word))
            return new(word, Role.Word, word, false);
        if (word.Length < 3)
            return null;
        // a class or color only by an insertion, deletion or swap: one changed letter makes other nouns
        // ("horse", "mouse") into world words ("house") more often than it mends a typo
        // and never the first letter, which typing rarely gets wrong ("table" is not "able")
        var near = known.Keys.Where(k => k[0] == word[0]).Where(k => word.Length == 3
                ? k.Length == 3 && k != word && k.Order().SequenceEqual(word.Order()) && OneEditApart(word, k)
                : k.Length >= 4 && Math.Abs(k.Length - word.Length) <= 1 && OneEditApart(word, k)
                    && (known[k].Role == Role.Word || k.Length != word.Length || k.Order().SequenceEqual(word.Order())))
            .Select(k => known[k]).DistinctBy(k => (k.Role, k.Value, k.Plural)).ToList();
        return near.Count == 1 ? near[0] : null;
    }

    static bool OneEditApart(string a, string b)
    {
        if (a.Length == b.Length)
        {
            int first = -1, diffs = 0;
            for (int i = 0; i < a.Length; i++)
                if (a[i] != b[i])
                {
                    if (diffs++ == 0)
                        first = i;
                }
            if (diffs == 1)
                return true;
            // two neighbours swapped
            return diffs == 2 && first + 1 < a.Length && a[first] == b[first + 1] && a[first + 1] == b[first];
        }
        var (shorter, longer) = a.Length < b.Length ? (a, b) : (b, a);
        int s = 0, l = 0, skips = 0;
        while (s < shorter.Length && l < longer.Length)
        {
            if (shorter[s] == longer[l])
            {
                s++;
                l++;
            }
            else if (++skips > 1)
                return false;
            else
                l++;
        }
        return true;
    }
}
