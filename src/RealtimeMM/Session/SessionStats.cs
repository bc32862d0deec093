namespace RealtimeMM.Session;

/// <summary>Counters and the latest per-stage timings of a session.</summary>
public sealed record SessionStats(long FramesSubmitted, long FramesProcessed, long FramesDropped, long Answers, double LastEncodeMs, double LastAnswerMs)
{
    /// <summary>Frames whose embeddings went to <see cref="RealtimeSessionOptions.IndexPath"/>.</summary>
    public long FramesIndexed { get; init; }

    /// <summary>Frames whose processing failed (their questions got the error; the stream went on).</summary>
    public long FramesFailed { get; init; }
}
