namespace RealtimeMM.Search;

/// <summary>
/// A frame index read into memory for searching: the header and every whole, intact record. A
/// file cut short or damaged at the end opens with the records before the damage and says what
/// was dropped (<see cref="Recovered"/>); the file itself is not changed.
/// </summary>
public sealed class FrameIndex
{
    FrameIndex(string path, FrameIndexHeader header, EmbeddingStore store, FrameIndexRecovery? recovered)
    {
        Path = path;
        Header = header;
        Store = store;
        Recovered = recovered;
    }

    public string Path { get; }
    public FrameIndexHeader Header { get; }

    /// <summary>The embeddings, ready to search.</summary>
    public EmbeddingStore Store { get; }

    /// <summary>What was dropped at the end of the file (null: nothing).</summary>
    public FrameIndexRecovery? Recovered { get; }

    public int Count => Store.Count;

    /// <summary>Reads an index. Throws <see cref="FrameIndexException"/> when the file is missing or is not an index.</summary>
    public static FrameIndex Load(string path)
    {
        if (!File.Exists(path))
            throw new FrameIndexException(path, "file not found");
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
        var header = FrameIndexFormat.ReadHeader(stream, path, out long start);
        int dim = header.Dimensions;
        long size = FrameIndexFormat.RecordSize(dim);
        var store = new EmbeddingStore(dim, (int)Math.Min(int.MaxValue / Math.Max(dim, 1), Math.Max(0, (stream.Length - start) / size)));
        var embedding = new float[dim];
        long end = FrameIndexFormat.ReadRecords(stream, start, dim, record =>
        {
            var (frame, seconds) = FrameIndexFormat.ReadRecord(record, embedding);
            store.Add(frame, seconds, embedding);
        });
        FrameIndexRecovery? recovered = stream.Length > end
            ? new(store.Count, stream.Length - end, (stream.Length - end) % size == 0 ? "a record failed its CRC" : "a record was cut short")
            : null;
        return new FrameIndex(path, header, store, recovered);
    }

    /// <summary>The index file that goes with a clip: <c>frames.rtmmidx</c> inside a clip folder, <c>FILE.rtmmidx</c> beside a video.</summary>
    public static string PathFor(string clip) =>
        Directory.Exists(clip) ? System.IO.Path.Combine(clip, "frames.rtmmidx") : System.IO.Path.TrimEndingDirectorySeparator(clip) + ".rtmmidx";
}
