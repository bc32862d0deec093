using System.Diagnostics;
using Microsoft.Extensions.Logging;
using RealtimeMM.Answering;
using RealtimeMM.Frames;
using RealtimeMM.Search;

namespace RealtimeMM.Session;

/// <summary>The session's frame index, text search with its own model, and what its answers say of their frame.</summary>
public sealed partial class RealtimeSession
{
    /// <summary>The answer with the number of the frame it is about and its latency (from the frame's submission to now).</summary>
    static Answer Stamped(Answer a, Frame frame) => a with { Frame = frame.Index, Latency = Stopwatch.GetElapsedTime(0) - frame.Timestamp };

    /// <summary>Appends a sampled frame's embedding to the index; a write that fails (disk full) stops the indexing, not the session.</summary>
    void Index(Frame frame, FrameEncoding encoded)
    {
        if (index is null || index.Failure is not null)
            return;
        if (index.Offer(frame, frame.Index, frame.Timestamp.TotalSeconds - startSeconds, encoded))
            Interlocked.Increment(ref indexed);
        else if (index.Failure is { } why)
            log.LogError("RealtimeMM: {Failure}; the session goes on", why); // once: later frames return above
    }


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
