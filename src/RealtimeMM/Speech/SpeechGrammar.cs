using System.Text;
using System.Text.RegularExpressions;
using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;

namespace RealtimeMM.Speech;

/// <summary>
/// The JSGF grammar of the questions a model bundle answers, made from the bundle itself: its
/// world's question kinds with their phrasings, its classes and colors, keeping only words the
/// bundle's tokenizer knows. A different bundle gets its own
/// grammar. Constraining the recogniser to this grammar is what makes it reliable; PocketSphinx's
/// open language model is not usable for this (about 50% word errors).
/// </summary>
public sealed class SpeechGrammar
{
    public string Jsgf { get; }
    public IReadOnlyList<string> Classes { get; }
    public IReadOnlyList<string> Colors { get; }
    public IReadOnlyList<string> Kinds { get; }

    /// <summary>The world the grammar speaks of (the bundle's).</summary>
    public World World { get; }

    /// <summary>Every word a sentence of the grammar can hold.</summary>
    public IReadOnlySet<string> Words { get; }

    /// <summary>Every pair of words that follow each other in some sentence ("black car"): where one word's last sound is the next one's first, a speaker says it once.</summary>
    public IReadOnlySet<(string First, string Second)> WordPairs { get; }

    readonly Regex sentence;

    SpeechGrammar(string jsgf, World world, IReadOnlyList<string> classes, IReadOnlyList<string> colors, IReadOnlyList<string> kinds)
    {
        World = world;
        Jsgf = jsgf;
        sentence = new Regex("^" + ToRegex(jsgf) + "$", RegexOptions.CultureInvariant);
        Classes = classes;
        Colors = colors;
        Kinds = kinds;
        var sentences = Sentences(jsgf);
        Words = sentences.SelectMany(w => w).ToHashSet();
        WordPairs = sentences.SelectMany(w => w.Zip(w.Skip(1))).ToHashSet();
    }

    /// <param name="bundle">The model bundle: its world's kinds, phrasings, classes and colors.</param>
    /// <param name="taughtNames">Names taught by example (<c>TaughtVocabulary.Names</c>), said like the world's classes; words CMUdict lacks are pronounced by espeak-ng.</param>
    public static SpeechGrammar For(ModelBundle bundle, IEnumerable<string>? taughtNames = null) => For(bundle.Manifest, bundle.Tokenizer, taughtNames);

    public static SpeechGrammar For(BundleManifest manifest, QuestionTokenizer tokenizer, IEnumerable<string>? taughtNames = null)
    {
        var known = tokenizer.Vocabulary.ToHashSet();
        var world = manifest.World;
        // taught names are answered from their examples, not by the model: the tokenizer need not know them
        var taught = (taughtNames ?? []).Where(n => n.All(c => char.IsAsciiLetterLower(c) || c == ' ')).ToHashSet();
        foreach (var n in taught)
            known.UnionWith(QuestionTokenizer.Words(n).Concat(QuestionTokenizer.Words(English.Plural(n))));
        bool Knows(string phrase) => QuestionTokenizer.Words(phrase).All(known.Contains);
        string Plural(string c) => world.Classes.Contains(c) ? world.Plural(c) : English.Plural(c);
        var classes = world.Classes.Where(a => Knows(a) && Knows(world.Plural(a))).Concat(taught.Where(n => !world.Classes.Contains(n))).ToArray();
        var colors = world.Colors.Where(Knows).ToArray();
        var kinds = world.QuestionKinds.ToArray();
        if (classes.Length == 0 || kinds.Length == 0)
            throw new ArgumentException($"bundle '{manifest.Name}': no classes or question kinds to build a speech grammar from");

        // "a" or "an" as the next word needs: "an car" is not a sentence, so it cannot take an n-best slot
        var byArticle = new Dictionary<string, string[]>
        {
            ["class_a"] = classes.Where(c => World.Article(c) == "a").ToArray(), ["class_an"] = classes.Where(c => World.Article(c) == "an").ToArray(),
            ["color_a"] = colors.Where(c => World.Article(c) == "a").ToArray(), ["color_an"] = colors.Where(c => World.Article(c) == "an").ToArray(),
        };
        string articled = string.Join(" | ", new[] { ("a", "class_a", ""), ("an", "class_an", ""), ("a", "color_a", " <class>"), ("an", "color_an", " <class>") }
            .Where(x => byArticle[x.Item2].Length > 0 && (x.Item3 == "" || colors.Length > 0))
            .Select(x => $"{x.Item1} <{x.Item2}>{x.Item3}"));
        var sb = new StringBuilder("#JSGF V1.0;\ngrammar rtmm;\n");
        var rules = new List<string>();
        foreach (var kind in kinds)
        {
            if (kind == "identify" && colors.Length == 0)
                continue; // "what is the red object" needs colors
            var alternatives = world.Phrasings[kind]
                .Select(t => Expand(t, kind, colors.Length > 0, articled))
                .Where(t => Knows(Regex.Replace(t, "<[a-z_]+>", "")))
                .DistinctBy(t => t.Replace("colour", "color")) // homophones: one spelling is enough for the ear
                .ToList();
            if (kind == "exist")
                alternatives.Add(colors.Length > 0 ? "are there any (<classes> | <color> <classes>)" : "are there any <classes>");
            if (alternatives.Count > 0)
            {
                rules.Add($"<{kind}_question>");
                sb.Append($"<{kind}_question> = {string.Join(" | ", alternatives.Select(a => $"({a})"))};\n");
            }
        }
        sb.Append($"<class> = {string.Join(" | ", classes)};\n");
        sb.Append($"<classes> = {string.Join(" | ", classes.Select(Plural))};\n");
        if (colors.Length > 0)
            sb.Append($"<color> = {string.Join(" | ", colors)};\n");
        foreach (var (rule, words) in byArticle)
            if (words.Length > 0)
                sb.Append($"<{rule}> = {string.Join(" | ", words)};\n");
        sb.Append($"public <question> = {string.Join(" | ", rules)};\n");
        return new SpeechGrammar(sb.ToString(), world, classes, colors, kinds);
    }

    /// <summary>
    /// Whether <paramref name="text"/> is a whole sentence of the grammar. The recogniser's n-best
    /// list also holds paths that stop part-way ("what color is the"); those are not questions.
    /// </summary>
    public bool Accepts(string text) => sentence.IsMatch(string.Join(' ', text.Split(' ', StringSplitOptions.RemoveEmptyEntries)));

    /// <summary>The rules of a grammar written by <see cref="For(BundleManifest, QuestionTokenizer, IEnumerable{string})"/> (name to body) and its public rule.</summary>
    static (Dictionary<string, string> Rules, string Top) Rules(string jsgf)
    {
        var rules = new Dictionary<string, string>();
        string? top = null;
        foreach (var line in jsgf.Split('\n'))
        {
            var m = Regex.Match(line, @"^(public )?<([a-z_]+)> = (.*);$");
            if (!m.Success)
                continue;
            rules[m.Groups[2].Value] = m.Groups[3].Value;
            if (m.Groups[1].Success)
                top = m.Groups[2].Value;
        }
        return (rules, top ?? throw new InvalidOperationException("the grammar has no public rule"));
    }

    static readonly Regex Token = new(@"<[a-z_]+>|[()|]|[^\s()|<>]+", RegexOptions.CultureInvariant);

    /// <summary>Every sentence of the grammar as words (it has no recursion: a few thousand sentences).</summary>
    static List<string[]> Sentences(string jsgf)
    {
        var (rules, top) = Rules(jsgf);
        // alternatives := sequence ('|' sequence)*; sequence := (word | <rule> | '(' alternatives ')')*
        List<string[]> Alternatives(string[] tokens, ref int at)
        {
            var all = new List<string[]>();
            while (true)
            {
                List<string[]> seq = [[]];
                while (at < tokens.Length && tokens[at] is not ("|" or ")"))
                {
                    string t = tokens[at++];
                    List<string[]> part;
                    if (t == "(")
                    {
                        part = Alternatives(tokens, ref at);
                        at++; // ')'
                    }
                    else if (t.StartsWith('<'))
                        part = Body(rules[t[1..^1]]);
                    else
                        part = [[t]];
                    seq = seq.SelectMany(a => part.Select(b => a.Concat(b).ToArray())).ToList();
                }
                all.AddRange(seq);
                if (at < tokens.Length && tokens[at] == "|")
                    at++;
                else
                    return all;
            }
        }
        List<string[]> Body(string body)
        {
            var tokens = Token.Matches(body).Select(m => m.Value).ToArray();
            int at = 0;
            return Alternatives(tokens, ref at);
        }
        return Body(rules[top]);
    }

    /// <summary>The public rule of a grammar written by <see cref="For(BundleManifest, QuestionTokenizer, IEnumerable{string})"/> as a regular expression.</summary>
    static string ToRegex(string jsgf)
    {
        var (rules, top) = Rules(jsgf);
        string Expand(string body)
        {
            var sb = new StringBuilder();
            bool afterAtom = false;
            foreach (Match t in Token.Matches(body))
            {
                string tok = t.Value;
                bool startsAtom = tok != "|" && tok != ")";
                if (afterAtom && startsAtom)
                    sb.Append(' ');
                sb.Append(tok switch
                {
                    "(" => "(?:",
                    ")" => ")",
                    "|" => "|",
                    _ when tok.StartsWith('<') => "(?:" + Expand(rules[tok[1..^1]]) + ")",
                    _ => Regex.Escape(tok),
                });
                afterAtom = tok != "|" && tok != "(";
            }
            return sb.ToString();
        }
        return "(?:" + Expand(rules[top]) + ")";
    }

    /// <summary>A template with its placeholders turned into rule references (see World.Phrasings).</summary>
    static string Expand(string template, string kind, bool withColors, string articled)
    {
        if (template.Contains("{1} {0}"))
            return template.Replace("{1} {0}", $"({articled})"); // the article chosen with its noun phrase
        string subject = kind switch
        {
            // no optional [..] groups: PocketSphinx's FSG search loses the final state after them ("final result does not match the grammar")
            "color" => "(<class> | <class> on the (left | right))",
            "count" => withColors ? "(<classes> | <color> objects)" : "<classes>",
            "identify" => "<color>",
            _ => withColors ? "(<class> | <color> <class>)" : "<class>",
        };
        return template.Replace("{0}", subject).Replace("{1}", "<a>");
    }
}
