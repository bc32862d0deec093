using RealtimeMM.Search;

namespace RealtimeMM.Session;

/// <summary>Text search with the session's own model.</summary>
public sealed partial class RealtimeSession
{
    /// <summary>
    /// A text search that embeds queries with the session's text encoder (no second copy of the model),
    /// for searching the frames the session indexed (<see cref="RealtimeSessionOptions.IndexWriter"/>)
    /// while it runs. Queries may run beside the session's worker; one <see cref="TextSearch"/> serves
    /// one thread at a time, and none after the session is disposed.
    /// </summary>
    /// <param name="threshold">Match threshold (cosine); default: the bundle's calibrated one.</param>
    public TextSearch CreateTextSearch(float? threshold = null)
    {
        ThrowIfDisposed();
        return new TextSearch(answerer, threshold);
    }
}
