using RealtimeMM.Frames;
using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;
using RealtimeMM.Teaching;

namespace RealtimeMM.Search;

/// <summary>
/// Indexes the frames a running pipeline encodes anyway (a <see cref="Session.RealtimeSession"/>,
/// <c>rtmm live</c>, <c>rtmm replay</c>): <c>Offer</c> keeps the frames the sampler picks and
/// appends their embeddings to a <see cref="FrameIndexWriter"/>. A write that fails (disk full) stops
/// the indexing, not the pipeline: <see cref="Failure"/> says why, and what was flushed stays readable.
/// </summary>
public sealed class FrameIndexRecorder : IDisposable
{
    IFrameIndexWriter? writer;
    TaughtIndexWriter? taughtWriter;
    TaughtAnswerer? taught;
    readonly FrameSampler sampler;
    readonly long frameBase, skipThrough;
    readonly double secondsBase;
    long flushedAtClose;

    /// <param name="path">The index file; an existing one of the same model is continued.</param>
    /// <param name="source">What the frames come from (stored in the header; a clip or file lets <c>rtmm search</c> re-rank and draw thumbnails).</param>
    /// <param name="sampling">Which frames to keep (settings copied); null: <see cref="FrameSampler"/>'s defaults.</param>
    /// <param name="renumber">
    /// True for a source whose frame numbers start again each run (a camera, a session): numbers and times carry on after
    /// what the file holds. False for a clip or file: frames keep their own numbers, and those stored already are skipped.
    /// </param>
    public FrameIndexRecorder(string path, ModelBundle bundle, string source, FrameSampler? sampling, bool renumber)
        : this(FrameIndexWriter.Open(path, FrameIndexHeader.For(bundle, source)), path, sampling, renumber)
    {
    }

    /// <summary>A recorder that appends to <paramref name="writer"/> (owned: disposed with the recorder).</summary>
    /// <param name="name">The index as messages name it (a file path, a Redis key).</param>
    public FrameIndexRecorder(IFrameIndexWriter writer, string name, FrameSampler? sampling, bool renumber)
    {
        ArgumentNullException.ThrowIfNull(writer);
        this.writer = writer;
        sampler = sampling?.Fresh() ?? new FrameSampler();
        if (renumber)
        {
            frameBase = writer.LastFrame + 1;
            // a second after what the file holds: neighbouring-hit de-duplication keeps runs apart
            secondsBase = double.IsFinite(writer.LastSeconds) ? writer.LastSeconds + 1 : 0;
            skipThrough = -1;
        }
        else
            skipThrough = writer.LastFrame;
        Path = name;
        Recovered = (writer as FrameIndexWriter)?.Recovered;
        Model = writer.Header.Model;
        StoredBefore = writer.Count;
        ResumesAfter = writer.LastFrame;
    }

    /// <summary>The index file (or, for another writer, the name it was given).</summary>
    public string Path { get; }

    /// <summary>What reopening found and cut off (a torn tail), or null.</summary>
    public FrameIndexRecovery? Recovered { get; }

    /// <summary>The model the index was made with.</summary>
    public string Model { get; }

    /// <summary>Frames the file held when it was opened.</summary>
    public long StoredBefore { get; }

    /// <summary>The last frame number the file held when it was opened (-1: none).</summary>
    public long ResumesAfter { get; }

    /// <summary>Frames stored by this recorder.</summary>
    public long Stored { get; private set; }

    /// <summary>
    /// Taught names to score on every frame stored (null: none): each such frame's scores go to
    /// <see cref="TaughtIndex.PathFor"/> beside the index, for text search by taught name. Set it before
    /// frames are offered; a frame the answerer did not read (nothing taught yet) gets no line. Setting
    /// it opens that file: <see cref="FrameIndexException"/> when it holds scores of other features.
    /// </summary>
    public TaughtAnswerer? Taught
    {
        get => taught;
        set
        {
            if (value is not null && writer is not null and not FrameIndexWriter)
                throw new NotSupportedException($"{Path}: taught-name scores are recorded beside an index file only");
            taughtWriter?.Dispose();
            taughtWriter = value is null || writer is null ? null : TaughtIndexWriter.Open(TaughtIndex.PathFor(Path), value.Features.Name);
            taught = value;
        }
    }

    /// <summary>Records stored for good so far (flushed to disk or to the store), those of earlier runs included.</summary>
    public long Flushed => writer?.Flushed ?? flushedAtClose;

    /// <summary>Why indexing stopped early (a failed write), or null while it runs.</summary>
    public string? Failure { get; private set; }

    /// <summary>
    /// Offers an encoded frame (<paramref name="seconds"/> from the start of the run); true when it was stored.
    /// Throws nothing for a failed write: the recorder stops and <see cref="Failure"/> says why.
    /// </summary>
    public bool Offer(ImageView frame, long frameIndex, double seconds, FrameEncoding encoded) =>
        Offer(frame, frameIndex, seconds, () => encoded);

    /// <summary>As <see cref="Offer(ImageView, long, double, FrameEncoding)"/>, for a pipeline that does not encode every frame: <paramref name="encode"/> runs only for the frames kept.</summary>
    public bool Offer(ImageView frame, long frameIndex, double seconds, Func<FrameEncoding> encode)
    {
        if (writer is null || frameIndex <= skipThrough || !sampler.ShouldStore(frame, secondsBase + seconds))
            return false;
        var encoded = encode();
        try
        {
            writer.Append(frameBase + frameIndex, secondsBase + seconds, encoded.Embedding);
            Stored++;
            if (taughtWriter is not null && taught!.Scores(encoded) is { Count: > 0 } scores)
                taughtWriter.Append(frameBase + frameIndex, secondsBase + seconds, scores);
            return true;
        }
        catch (IOException e)
        {
            Failure = $"{Path}: writing the index failed after {writer.Flushed} frames on disk ({e.Message}); indexing stopped";
            Close();
            return false;
        }
    }

    void Close()
    {
        var w = writer;
        writer = null;
        if (w is null)
            return;
        taughtWriter?.Dispose();
        taughtWriter = null;
        try
        {
            w.Dispose(); // flushes what is pending
        }
        catch (IOException e)
        {
            Failure ??= $"{Path}: the last frames could not be written ({e.Message})";
        }
        flushedAtClose = w.Flushed;
    }

    public void Dispose() => Close();
}
