namespace RealtimeMM.Search;

/// <summary>
/// What a text search found. <see cref="Matched"/> is false when the query cannot be searched
/// (empty, words the model does not know) or no frame reaches the model's match threshold;
/// <see cref="Reason"/> then says which, and <see cref="Hits"/> is empty rather than arbitrary
/// "best" frames.
/// </summary>
public sealed record TextSearchResult(string Query, IReadOnlyList<SearchHit> Hits, bool Matched, float BestScore, float Threshold, string? Reason);
