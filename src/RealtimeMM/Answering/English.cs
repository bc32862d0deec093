namespace RealtimeMM.Answering;

/// <summary>English word forms the answerers need.</summary>
internal static class English
{
    static readonly Dictionary<string, string> Irregular = new()
    {
        ["person"] = "people", ["man"] = "men", ["woman"] = "women", ["child"] = "children", ["mouse"] = "mice",
        ["foot"] = "feet", ["tooth"] = "teeth", ["goose"] = "geese", ["sheep"] = "sheep", ["fish"] = "fish", ["deer"] = "deer",
    };

    /// <summary>The plural of a noun (of a phrase: its last word's), by the regular rules and the common irregular nouns.</summary>
    public static string Plural(string noun)
    {
        int space = noun.LastIndexOf(' ');
        if (space >= 0)
            return noun[..(space + 1)] + Plural(noun[(space + 1)..]);
        string w = noun;
        return Irregular.TryGetValue(w, out var p) ? p
            : w.EndsWith('s') || w.EndsWith('x') || w.EndsWith('z') || w.EndsWith("ch") || w.EndsWith("sh") ? w + "es"
            : w.Length > 1 && w[^1] == 'y' && !"aeiou".Contains(w[^2]) ? w[..^1] + "ies"
            : w + "s";
    }
}
