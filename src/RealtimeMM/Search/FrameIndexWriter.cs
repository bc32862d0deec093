using System.Diagnostics;

namespace RealtimeMM.Search;

/// <summary>
/// Appends frame embeddings to an index file in batches. Each batch is written whole and flushed
/// to disk (fsync), so a crash or a kill loses at most the frames not yet flushed and never
/// damages what was: reopening finds every flushed record, cuts off a torn one at the end
/// (<see cref="Recovered"/> says what went) and appends after it. Not thread-safe: one writer per file.
/// </summary>
public sealed class FrameIndexWriter : IFrameIndexWriter
{
    readonly FileStream stream;
    readonly byte[] pending;
    readonly int recordSize;
    readonly Stopwatch sinceFirstPending = new();
    int pendingCount;
    bool disposed;

    FrameIndexWriter(string path, FileStream stream, FrameIndexHeader header, long records, long lastFrame, double lastSeconds, FrameIndexRecovery? recovered, int batchSize, TimeSpan flushInterval)
    {
        LastFrame = lastFrame;
        LastSeconds = lastSeconds;
        Path = path;
        this.stream = stream;
        Header = header;
        Count = records;
        Recovered = recovered;
        BatchSize = batchSize;
        FlushInterval = flushInterval;
        recordSize = FrameIndexFormat.RecordSize(header.Dimensions);
        pending = new byte[recordSize * batchSize];
    }

    public string Path { get; }
    public FrameIndexHeader Header { get; }

    /// <summary>Records in the file and waiting to be flushed.</summary>
    public long Count { get; private set; }

    /// <summary>Frame index of the last record appended (-1: none), so indexing a clip again resumes after it.</summary>
    public long LastFrame { get; private set; }

    /// <summary>Timestamp of the last frame appended or found on reopening, seconds (NaN when empty).</summary>
    public double LastSeconds { get; private set; } = double.NaN;

    /// <summary>Records flushed to disk.</summary>
    public long Flushed => Count - pendingCount;

    /// <summary>What reopening an existing file cut off (null: nothing).</summary>
    public FrameIndexRecovery? Recovered { get; }

    /// <summary>Records gathered before a write; the most a crash can lose.</summary>
    public int BatchSize { get; }

    /// <summary>A batch is also flushed when its oldest record has waited this long.</summary>
    public TimeSpan FlushInterval { get; }

    /// <summary>
    /// Creates an index at <paramref name="path"/>, or reopens one made with the same model and
    /// appends to it. Throws <see cref="FrameIndexException"/> when the file is not an index or
    /// was made with another model.
    /// </summary>
    public static FrameIndexWriter Open(string path, FrameIndexHeader header, int batchSize = 16, TimeSpan? flushInterval = null)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var interval = flushInterval ?? TimeSpan.FromSeconds(2);
        if (!File.Exists(path) || new FileInfo(path).Length == 0)
            CreateNew(path, header);
        var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            var existing = FrameIndexFormat.ReadHeader(stream, path, out long start);
            if (!header.SameEmbeddings(existing))
                throw new FrameIndexException(path, $"made with model '{existing.Model}' (fingerprint {existing.Fingerprint}, {existing.Dimensions} dims), not '{header.Model}' ({header.Fingerprint}, {header.Dimensions} dims): refusing to mix embeddings; use another file");
            long records = 0, lastFrame = -1;
            double lastSeconds = double.NaN;
            long end = FrameIndexFormat.ReadRecords(stream, start, existing.Dimensions, record =>
            {
                records++;
                (lastFrame, lastSeconds) = FrameIndexFormat.ReadRecord(record);
            });
            FrameIndexRecovery? recovered = null;
            if (stream.Length > end)
            {
                recovered = new(records, stream.Length - end, (stream.Length - end) % FrameIndexFormat.RecordSize(existing.Dimensions) == 0
                    ? "a record failed its CRC" : "a record was cut short");
                stream.SetLength(end);
                stream.Flush(flushToDisk: true);
            }
            stream.Position = end;
            return new FrameIndexWriter(path, stream, existing, records, lastFrame, lastSeconds, recovered, batchSize, interval);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>The header goes to a temporary file that is then renamed, so a new index is never half a header.</summary>
    static void CreateNew(string path, FrameIndexHeader header)
    {
        string dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        string temp = path + ".tmp";
        using (var f = new FileStream(temp, FileMode.Create, FileAccess.Write))
        {
            f.Write(FrameIndexFormat.HeaderBytes(header));
            f.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Adds a frame; writes and flushes the batch when it is full or its oldest frame has waited <see cref="FlushInterval"/>.</summary>
    public void Append(long frameIndex, double seconds, ReadOnlySpan<float> embedding)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (embedding.Length != Header.Dimensions)
            throw new ArgumentException($"embedding has {embedding.Length} values, the index stores {Header.Dimensions}", nameof(embedding));
        if (!double.IsFinite(seconds))
            throw new ArgumentOutOfRangeException(nameof(seconds), seconds, "timestamp must be finite");
        FrameIndexFormat.WriteRecord(pending.AsSpan(pendingCount * recordSize, recordSize), frameIndex, seconds, embedding);
        if (pendingCount++ == 0)
            sinceFirstPending.Restart();
        Count++;
        LastFrame = frameIndex;
        LastSeconds = seconds;
        if (pendingCount == BatchSize || sinceFirstPending.Elapsed >= FlushInterval)
            Flush();
    }

    /// <summary>Writes the records gathered so far and flushes them to disk.</summary>
    public void Flush()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (pendingCount == 0)
            return;
        long end = stream.Position;
        try
        {
            stream.Write(pending, 0, pendingCount * recordSize);
            stream.Flush(flushToDisk: true);
        }
        catch (IOException e)
        {
            // a full disk: take the torn batch back off so the file ends on a whole record; the batch stays pending
            try
            {
                stream.SetLength(end);
                stream.Position = end;
            }
            catch (IOException)
            {
                // reopening cuts the torn record off instead
            }
            throw new FrameIndexException(Path, $"could not write {pendingCount} frame(s) ({e.Message}); the {Flushed} flushed before are intact", e);
        }
        pendingCount = 0;
    }

    public void Dispose()
    {
        if (disposed)
            return;
        try
        {
            Flush();
        }
        finally
        {
            disposed = true;
            stream.Dispose();
        }
    }
}
