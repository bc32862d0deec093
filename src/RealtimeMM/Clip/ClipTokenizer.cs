using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace RealtimeMM.Clip;

/// <summary>
/// CLIP's tokenizer from its files (<c>vocab.json</c>, <c>merges.txt</c>), on Microsoft.ML.Tokenizers'
/// byte-level BPE: text lower-cased with its whitespace collapsed, split by CLIP's pattern, each piece's
/// bytes mapped to printable characters, merged by rank with <c>&lt;/w&gt;</c> closing a word; then
/// <c>&lt;|startoftext|&gt;</c> … <c>&lt;|endoftext|&gt;</c>, cut to the model's length and padded with the
/// end token, as Hugging Face's CLIPTokenizer pads for the OpenAI models.
/// </summary>
public sealed class ClipTokenizer
{
    const string Start = "<|startoftext|>", End = "<|endoftext|>";
    static readonly Regex Pieces = new(@"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+", RegexOptions.Compiled | RegexOptions.CultureInvariant);
    static readonly Regex Spaces = new(@"\s+", RegexOptions.Compiled);

    readonly BpeTokenizer bpe;

    ClipTokenizer(BpeTokenizer bpe, int startId, int endId, int maxLength)
    {
        this.bpe = bpe;
        StartId = startId;
        EndId = endId;
        MaxLength = maxLength;
    }

    public int StartId { get; }
    public int EndId { get; }

    /// <summary>Tokens a text becomes, the start and end tokens included (the text model's sequence length).</summary>
    public int MaxLength { get; }

    public int VocabularySize => bpe.Vocabulary.Count;

    /// <summary>Reads the tokenizer's files. Throws <see cref="ClipBundleException"/> naming a file that is missing or not what CLIP's tokenizer writes.</summary>
    public static ClipTokenizer Load(string vocabPath, string mergesPath, int maxLength)
    {
        foreach (var path in new[] { vocabPath, mergesPath })
            if (!File.Exists(path))
                throw new ClipBundleException(path, $"not found: a CLIP bundle's tokenizer is its vocab.json and merges.txt");
        Dictionary<string, int> vocab;
        try
        {
            vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllBytes(vocabPath)) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new ClipBundleException(vocabPath, $"not a token-to-id table ({e.Message})", e);
        }
        foreach (var special in new[] { Start, End })
            if (!vocab.ContainsKey(special))
                throw new ClipBundleException(vocabPath, $"has no '{special}' token");
        var merges = File.ReadLines(mergesPath).Where(l => l.Length > 0 && !l.StartsWith("#version", StringComparison.Ordinal)).ToList();
        int bad = merges.FindIndex(l => l.Split(' ').Length != 2);
        if (bad >= 0)
            throw new ClipBundleException(mergesPath, $"line '{merges[bad]}' is not a pair of tokens");
        try
        {
            var specials = new Dictionary<string, int> { [Start] = vocab[Start], [End] = vocab[End] };
            var options = new BpeOptions(vocab)
            {
                Merges = merges,
                ByteLevel = true,
                EndOfWordSuffix = "</w>",
                SpecialTokens = specials,
                PreTokenizer = new RegexPreTokenizer(Pieces, specials),
            };
            return new ClipTokenizer(BpeTokenizer.Create(options), vocab[Start], vocab[End], maxLength);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or KeyNotFoundException)
        {
            throw new ClipBundleException(mergesPath, $"the merges do not fit vocab.json ({e.Message})", e);
        }
    }

    /// <summary>The text as the model reads it: lower case, one space between words, no leading or trailing space.</summary>
    public static string Clean(string text) => Spaces.Replace(text, " ").Trim().ToLowerInvariant();

    /// <summary>The text's token ids without the start and end tokens.</summary>
    public IReadOnlyList<int> Tokens(string text) => bpe.EncodeToIds(Clean(text), considerPreTokenization: true, considerNormalization: false);

    /// <summary>Token ids (start, the text's, end; cut to <see cref="MaxLength"/>, padded with the end token) and the attention mask.</summary>
    public (long[] Ids, long[] Mask) Encode(string text)
    {
        var tokens = Tokens(text);
        var ids = new long[MaxLength];
        var mask = new long[MaxLength];
        int n = Math.Min(tokens.Count, MaxLength - 2);
        ids[0] = StartId;
        for (int i = 0; i < n; i++)
            ids[i + 1] = tokens[i];
        ids[n + 1] = EndId;
        for (int i = 0; i < n + 2; i++)
            mask[i] = 1;
        for (int i = n + 2; i < MaxLength; i++)
            ids[i] = EndId;
        return (ids, mask);
    }
}
