using System.Text.RegularExpressions;
using RealtimeMM.Fusion;
using RealtimeMM.Answering;

namespace RealtimeMM.Bundle;

/// <summary>
/// Words to token ids for the text encoder: lower case, anything but a-z, 0-9 and apostrophes
/// splits words, unknown words become [UNK]. <c>models/training/train.py</c> implements the same
/// rule; the vocabulary comes from the bundle. Sequence: [CLS] words… [PAD]….
/// </summary>
public sealed partial class QuestionTokenizer
{
    public const string Pad = "[PAD]", Cls = "[CLS]", Unknown = "[UNK]";
    readonly Dictionary<string, int> ids;

    public QuestionTokenizer(IReadOnlyList<string> vocabulary, int maxTokens)
    {
        if (vocabulary.Count < 3 || vocabulary[0] != Pad || vocabulary[1] != Cls || vocabulary[2] != Unknown)
            throw new ArgumentException($"a vocabulary starts with {Pad}, {Cls}, {Unknown}", nameof(vocabulary));
        ids = vocabulary.Select((w, i) => (w, i)).ToDictionary(p => p.w, p => p.i);
        Vocabulary = vocabulary;
        MaxTokens = maxTokens;
    }

    public IReadOnlyList<string> Vocabulary { get; }

    /// <summary>Sequence length the text encoder takes, [CLS] included.</summary>
    public int MaxTokens { get; }

    /// <summary>The words of a question as the model reads them.</summary>
    public static string[] Words(string text) => NonWord().Replace(text.ToLowerInvariant(), " ").Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>
    /// Fills <paramref name="tokens"/> (length MaxTokens) and returns the words that are not in the
    /// vocabulary. Throws <see cref="ArgumentException"/> when there are more words than fit.
    /// </summary>
    public IReadOnlyList<string> Encode(string text, Span<long> tokens)
    {
        var words = Words(text);
        if (words.Length > MaxTokens - 1)
            throw new ArgumentException($"the question has {words.Length} words; the model reads at most {MaxTokens - 1}", nameof(text));
        tokens.Clear();
        tokens[0] = ids[Cls];
        var unknown = new List<string>();
        for (int i = 0; i < words.Length; i++)
        {
            if (ids.TryGetValue(words[i], out int id))
                tokens[i + 1] = id;
            else
            {
                tokens[i + 1] = ids[Unknown];
                unknown.Add(words[i]);
            }
        }
        return unknown;
    }

    [GeneratedRegex("[^a-z0-9']+")]
    private static partial Regex NonWord();
}
