namespace RealtimeMM.Search;

/// <summary>
/// Where a <see cref="FrameIndexRecorder"/> appends the frames it keeps: an index file
/// (<see cref="FrameIndexWriter"/>) or another store (the camera cluster keeps each camera's index in
/// Redis, so it outlives the silo that wrote it). One writer per index; called from one thread at a time.
/// </summary>
public interface IFrameIndexWriter : IDisposable
{
    /// <summary>The model the embeddings come from, their size and the source.</summary>
    FrameIndexHeader Header { get; }

    /// <summary>Records stored and waiting to be stored.</summary>
    long Count { get; }

    /// <summary>Records stored for good (on disk, in the store): what a crash of this process cannot lose.</summary>
    long Flushed { get; }

    /// <summary>Frame number of the last record (-1: none), so a recorder carries numbering on after it.</summary>
    long LastFrame { get; }

    /// <summary>Timestamp of the last record, seconds on the index's timeline (NaN: none).</summary>
    double LastSeconds { get; }

    /// <summary>Adds a frame's embedding. A store that is lost for good throws <see cref="IOException"/> (the recorder stops).</summary>
    void Append(long frameIndex, double seconds, ReadOnlySpan<float> embedding);

    /// <summary>Stores what is waiting.</summary>
    void Flush();
}
