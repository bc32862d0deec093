using System.Text;

namespace RealtimeMM.Speech;

/// <summary>
/// The pronunciation dictionary the recogniser loads: the grammar's words only, as CMUdict spells
/// them, plus one variant per word whose last sound the next word of some sentence starts with. A
/// speaker says a doubled consonant once ("black car" is /blækɑr/, one K), while the recogniser
/// needs every phone of both words at least three frames long, so without the variant "black car"
/// is heard as "blue car" or "car". Measured on 4 espeak-ng voices over 117 questions about 12
/// generated scenes: with the variants (and 32 Gaussians per frame) 97.2% of sentences exact, 96.6% without.
/// A noun and its plural also share their stems' vowel variants (<see cref="ShareStemVowels"/>): the
/// test's 240 questions about 6 other scenes went from 94.2% to 95.4%, the 468 above stayed at 97.2%.
/// </summary>
internal static class SpeechDictionary
{
    static readonly HashSet<string> Stops = ["P", "T", "K", "B", "D", "G"];
    static readonly HashSet<string> Sibilants = ["S", "Z", "SH", "ZH", "CH", "JH"];
    static readonly HashSet<string> Vowels = ["AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY", "UH", "UW"];

    /// <summary>The dictionary's text: one "word phones" line per pronunciation, variants as "word(2)".</summary>
    public static string For(SpeechGrammar grammar, string cmudictPath)
    {
        var prons = new Dictionary<string, List<string[]>>();
        foreach (var line in File.ReadLines(cmudictPath))
        {
            int space = line.IndexOf(' ');
            if (space <= 0)
                continue;
            string word = line[..space];
            int paren = word.IndexOf('(');
            if (paren > 0)
                word = word[..paren];
            if (!grammar.Words.Contains(word))
                continue;
            var phones = line[(space + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var list = prons.TryGetValue(word, out var l) ? l : prons[word] = [];
            if (!list.Any(p => p.SequenceEqual(phones)))
                list.Add(phones);
        }
        // words CMUdict lacks (taught names) as espeak-ng says them
        foreach (var w in grammar.Words.Where(w => !prons.ContainsKey(w)).ToList())
            if (EspeakPronunciation.Phones(w) is { } phones)
                prons[w] = [phones];
        var missing = grammar.Words.Where(w => !prons.ContainsKey(w)).Order(StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
            throw new SpeechUnavailableException($"speech: the pronunciation dictionary {cmudictPath} lacks {string.Join(", ", missing)}, which the question grammar uses (and espeak-ng could not say them)");
        foreach (var (singular, plural) in prons.Keys.SelectMany(w => new[] { (w, w + "s"), (w, w + "es") }).Where(p => prons.ContainsKey(p.Item2)).ToList())
            ShareStemVowels(prons[singular], prons[plural]);
        foreach (var (first, second) in grammar.WordPairs.OrderBy(p => p.First, StringComparer.Ordinal).ThenBy(p => p.Second, StringComparer.Ordinal))
        {
            var starts = prons[second].Select(p => p[0]).ToHashSet();
            var list = prons[first];
            foreach (var p in list.ToList())
                if (p.Length > 2 && Stops.Contains(p[^1]) && starts.Contains(p[^1]) && !list.Any(q => q.SequenceEqual(p[..^1])))
                    list.Add(p[..^1]);
        }
        var sb = new StringBuilder();
        foreach (var (word, list) in prons.OrderBy(p => p.Key, StringComparer.Ordinal))
            for (int i = 0; i < list.Count; i++)
                sb.Append(i == 0 ? word : $"{word}({i + 1})").Append(' ').AppendJoin(' ', list[i]).Append('\n');
        return sb.ToString();
    }

    /// <summary>
    /// A noun and its plural share their stems' vowels: CMUdict spells "dogs" both /dɑgz/ and /dɔgz/
    /// but "dog" only /dɔg/, so a speaker with the cot–caught merger (espeak-ng's en-us too) saying
    /// "is there a dog" was heard as "is there a car". A stem crosses over only when it differs
    /// from one the other word has in vowels alone.
    /// </summary>
    static void ShareStemVowels(List<string[]> singular, List<string[]> plural)
    {
        foreach (var p in plural.ToList())
        {
            int suffix = p.Length > 3 && p[^1] == "Z" && p[^2] is "AH" or "IH" && Sibilants.Contains(p[^3]) ? 2
                : p.Length > 1 && p[^1] is "S" or "Z" ? 1 : 0;
            if (suffix == 0)
                continue;
            var stem = p[..^suffix];
            foreach (var s in singular.ToList())
            {
                if (VowelVariant(s, stem))
                    AddNew(singular, stem);
                if (VowelVariant(stem, s))
                    AddNew(plural, [.. s, .. p[^suffix..]]);
            }
        }
    }

    /// <summary>Whether b is a differs from a only in some vowel.</summary>
    static bool VowelVariant(string[] a, string[] b) =>
        a.Length == b.Length && !a.SequenceEqual(b) && a.Zip(b).All(x => x.First == x.Second || (Vowels.Contains(x.First) && Vowels.Contains(x.Second)));

    static void AddNew(List<string[]> list, string[] phones)
    {
        if (!list.Any(q => q.SequenceEqual(phones)))
            list.Add(phones);
    }
}
