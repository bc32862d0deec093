using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;

namespace RealtimeMM.Search;

/// <summary>
/// Text → frames: the query's text embedding against stored image embeddings (the space the
/// InfoNCE loss aligned), with the bundle's calibrated match threshold deciding whether anything
/// matches at all. Does not take ownership of the answerer; keep it alive while this is used.
/// </summary>
public sealed class TextSearch
{
    readonly QuestionAnswerer answerer;
    readonly long[] tokens;

    /// <param name="threshold">Match threshold (cosine); default: the bundle's <c>retrieval.match_threshold</c>.</param>
    public TextSearch(QuestionAnswerer answerer, float? threshold = null)
    {
        ArgumentNullException.ThrowIfNull(answerer);
        this.answerer = answerer;
        var m = answerer.Bundle.Manifest;
        Threshold = threshold ?? m.MatchThreshold ?? throw new ModelBundleException(Path.Combine(answerer.Bundle.Folder, "manifest.json"), "retrieval.match_threshold",
            "missing: text search needs the calibrated similarity above which a frame matches (models/training/calibrate_search.py writes it)");
        tokens = new long[m.MaxTokens];
    }

    /// <summary>Cosine similarity above which a frame shows what the text says.</summary>
    public float Threshold { get; }

    /// <summary>The query's embedding, or why it cannot be searched.</summary>
    public (float[]? Embedding, string? Problem) Embed(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (QuestionTokenizer.Words(text).Length == 0)
            return (null, "the query is empty");
        IReadOnlyList<string> unknown;
        try
        {
            unknown = answerer.Bundle.Tokenizer.Encode(text, tokens);
        }
        catch (ArgumentException e)
        {
            return (null, e.Message);
        }
        if (unknown.Count > 0)
            return (null, $"the model does not know {string.Join(", ", unknown.Distinct().Select(w => $"'{w}'"))}");
        return (answerer.EmbedText(text), null);
    }

    /// <summary>Searches <paramref name="store"/> for frames that show <paramref name="text"/>.</summary>
    public TextSearchResult Find(EmbeddingStore store, string text, SearchOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        var (embedding, problem) = Embed(text);
        if (embedding is null)
            return new(text, [], false, float.NaN, Threshold, problem);
        if (store.Count == 0)
            return new(text, [], false, float.NaN, Threshold, "the index holds no frames");
        var hits = store.Search(embedding, options);
        float best = hits.Count > 0 ? hits[0].Score : float.NaN;
        if (hits.Count == 0)
            return new(text, [], false, best, Threshold, "no frame in the time range");
        var matching = hits.Where(h => h.Score >= Threshold).ToList();
        return matching.Count == 0
            ? new(text, [], false, best, Threshold, $"no frame looks like '{text}' (best similarity {best:F2}, a match needs {Threshold:F2})")
            : new(text, matching, true, best, Threshold, null);
    }

    /// <summary>
    /// Re-ranks embedding hits with the cross-attention model, as LXMERT-style retrieval does: the
    /// dual encoder finds candidates fast, then the fusion answers "is there TEXT" on each candidate
    /// frame and its probability of "yes" orders them (similarity breaks ties). The fusion sees
    /// where things are and what color they are, which one pooled embedding of a busy frame blurs.
    /// <paramref name="encodingOf"/> gives a candidate's encoding (null: drop it, e.g. a frame that
    /// can no longer be read). Returns the hits best first with their probability of "yes".
    /// </summary>
    public IReadOnlyList<(SearchHit Hit, float Yes)> Rerank(string text, IReadOnlyList<SearchHit> candidates, Func<SearchHit, FrameEncoding?> encodingOf)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(encodingOf);
        string question = PresenceQuestion(text);
        int yes = Array.IndexOf(answerer.Bundle.Manifest.Answers, "yes");
        var scored = new List<(SearchHit, float)>();
        foreach (var hit in candidates)
        {
            if (encodingOf(hit) is not { } frame)
                continue;
            var answer = answerer.Ask(frame, question);
            scored.Add((hit, answer.Answered && answer.Probabilities is { } p && yes >= 0 ? p[yes] : 0f));
        }
        return scored.OrderByDescending(x => x.Item2).ThenByDescending(x => x.Item1.Score).ToList();
    }

    /// <summary>The question that asks whether a frame shows <paramref name="text"/>: "is there TEXT" (kept as it is when it already asks).</summary>
    public static string PresenceQuestion(string text)
    {
        string what = text.Trim();
        return what.StartsWith("is there ", StringComparison.OrdinalIgnoreCase) || what.StartsWith("are there ", StringComparison.OrdinalIgnoreCase) ? what : $"is there {what}";
    }
}
