using RealtimeMM.Search;
using StackExchange.Redis;

namespace RealtimeMM.Cluster;

/// <summary>
/// One camera's frame index, kept in Redis so that it outlives the silo that wrote it, and in memory
/// where the camera runs, for searching. Redis holds it as a stream (key
/// <c>rtmm-cameras:CLUSTER:index:CAMERA</c>), one entry per frame whose field <c>r</c> is the frame's
/// record in the index file's format (frame number, seconds, embedding, CRC-32); its header (model,
/// fingerprint) under the same key with <c>:header</c>. Times are wall-clock Unix seconds at the moment
/// the frame was indexed: the cluster's cameras share one timeline. Entries older than the retention
/// are trimmed (Redis and memory). <see cref="Append"/> never waits for Redis: a background writer sends
/// batches (every 16 frames or 2 s), and while Redis is away the frames wait in memory (up to an hour's;
/// older ones then go, counted in <see cref="Dropped"/>) and are written when it is back.
/// </summary>
internal sealed class CameraIndex : IFrameIndexWriter
{
    const int BatchSize = 16, MaxPending = 7200;
    static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(2);

    readonly IDatabase db;
    readonly string key;
    readonly TimeSpan retention;
    readonly Lock gate = new();
    readonly Queue<byte[]> pending = new();
    readonly SemaphoreSlim wake = new(0), writing = new(1);
    readonly CancellationTokenSource stop = new();
    readonly Task writer;
    readonly int dim;
    EmbeddingStore store;
    long count, flushed, dropped;
    DateTime oldestPending;
    string? lastError;
    int sinceTrim;

    CameraIndex(IDatabase db, string key, FrameIndexHeader header, TimeSpan retention, EmbeddingStore store, long lastFrame, string? replaced)
    {
        this.db = db;
        this.key = key;
        this.retention = retention;
        this.store = store;
        Header = header;
        dim = header.Dimensions;
        count = flushed = store.Count;
        LastFrame = lastFrame;
        Replaced = replaced;
        writer = Task.Run(WriteLoop);
    }

    public FrameIndexHeader Header { get; }
    public string Key => key;

    /// <summary>What opening set aside: an index made with another model is renamed, not mixed with (null: nothing).</summary>
    public string? Replaced { get; }

    public long Count => Interlocked.Read(ref count);
    public long Flushed => Interlocked.Read(ref flushed);

    /// <summary>Frames that waited for Redis longer than the buffer holds and were left out.</summary>
    public long Dropped => Interlocked.Read(ref dropped);

    /// <summary>Frames waiting for Redis.</summary>
    public int Pending
    {
        get
        {
            lock (gate)
                return pending.Count;
        }
    }

    /// <summary>Why the last write to Redis failed (null after one that worked).</summary>
    public string? LastError => Volatile.Read(ref lastError);

    public long LastFrame { get; private set; }

    /// <summary>NaN: the recorder's own clock starts at 0 each run; the stored times are wall-clock, set here.</summary>
    public double LastSeconds => double.NaN;

    /// <summary>Opens (or creates) the camera's index and reads what Redis holds of it into memory.</summary>
    public static CameraIndex Open(IDatabase db, string key, FrameIndexHeader header, TimeSpan retention)
    {
        string? replaced = null;
        var existing = db.StringGet(key + ":header");
        if (existing.HasValue)
        {
            var old = System.Text.Json.JsonSerializer.Deserialize<FrameIndexHeader>((string)existing!);
            if (!header.SameEmbeddings(old))
            {
                // another model's embeddings are not comparable: set them aside, under their fingerprint
                string aside = $"{key}:model-{old?.Fingerprint ?? "unknown"}";
                if (db.KeyExists(key))
                    db.KeyRename(key, aside);
                db.KeyRename(key + ":header", aside + ":header");
                replaced = $"{key}: made with model '{old?.Model}' ({old?.Fingerprint}), not '{header.Model}' ({header.Fingerprint}): moved to {aside}";
                existing = RedisValue.Null;
            }
        }
        if (!existing.HasValue)
            db.StringSet(key + ":header", System.Text.Json.JsonSerializer.Serialize(header));
        var store = new EmbeddingStore(header.Dimensions, 1024);
        long lastFrame = -1;
        double cutoff = DateTimeOffset.UtcNow.Add(-retention).ToUnixTimeMilliseconds() / 1000.0;
        foreach (var (frame, seconds, embedding) in Read(db, key, header.Dimensions))
        {
            lastFrame = Math.Max(lastFrame, frame);
            if (seconds >= cutoff)
                store.Add(frame, seconds, embedding);
        }
        return new CameraIndex(db, key, header, retention, store, lastFrame, replaced);
    }

    /// <summary>Every intact record of the index in Redis, oldest first.</summary>
    internal static IEnumerable<IndexedFrame> Read(IDatabase db, string key, int dim)
    {
        RedisValue from = "-";
        while (true)
        {
            var entries = db.StreamRange(key, from, "+", 2048);
            foreach (var e in entries)
            {
                byte[]? record = e["r"];
                if (record is null || record.Length != FrameIndexFormat.RecordSize(dim) || !FrameIndexFormat.RecordIntact(record))
                    continue; // not a record of this index: never searched
                var values = new float[dim];
                var (frame, seconds) = FrameIndexFormat.ReadRecord(record, values);
                yield return new IndexedFrame(frame, seconds, values);
            }
            if (entries.Length < 2048)
                yield break;
            from = "(" + entries[^1].Id;
        }
    }

    public void Append(long frameIndex, double seconds, ReadOnlySpan<float> embedding)
    {
        if (embedding.Length != dim)
            throw new ArgumentException($"embedding has {embedding.Length} values, the index stores {dim}", nameof(embedding));
        double now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        var record = new byte[FrameIndexFormat.RecordSize(dim)];
        FrameIndexFormat.WriteRecord(record, frameIndex, now, embedding);
        bool full;
        lock (gate)
        {
            if (pending.Count == 0)
                oldestPending = DateTime.UtcNow;
            pending.Enqueue(record);
            if (pending.Count > MaxPending)
            {
                pending.Dequeue();
                Interlocked.Increment(ref dropped);
            }
            full = pending.Count >= BatchSize;
            store.Add(frameIndex, now, embedding);
            if (store.Count > 1024 && store.SecondsAt(store.Count / 4) < now - retention.TotalSeconds)
                store = Trimmed(store, now - retention.TotalSeconds);
        }
        Interlocked.Increment(ref count);
        LastFrame = frameIndex;
        if (full)
            wake.Release();
    }

    /// <summary>The rows of <paramref name="all"/> at or after <paramref name="cutoff"/> (the oldest quarter or more has aged out).</summary>
    static EmbeddingStore Trimmed(EmbeddingStore all, double cutoff)
    {
        var kept = new EmbeddingStore(all.Dimensions, all.Count);
        for (int r = 0; r < all.Count; r++)
            if (all.SecondsAt(r) >= cutoff)
                kept.Add(all.FrameAt(r), all.SecondsAt(r), all.EmbeddingAt(r));
        return kept;
    }

    /// <summary>Searches the index in memory with <paramref name="search"/> (the camera's model).</summary>
    public TextSearchResult Find(TextSearch search, string text, SearchOptions options)
    {
        lock (gate)
            return search.Find(store, text, options);
    }

    async Task WriteLoop()
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await wake.WaitAsync(TimeSpan.FromMilliseconds(500), stop.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            bool due;
            lock (gate)
                due = pending.Count >= BatchSize || pending.Count > 0 && DateTime.UtcNow - oldestPending >= FlushInterval;
            if (due && !await TryWrite())
                await Task.Delay(1000).ConfigureAwait(false); // Redis away: try again in a second, frames wait in memory
        }
    }

    /// <summary>Sends what waits, in order, a batch at a time; false when Redis did not take it (it stays pending).</summary>
    async Task<bool> TryWrite()
    {
        await writing.WaitAsync().ConfigureAwait(false);
        try
        {
            return await WritePending().ConfigureAwait(false);
        }
        finally
        {
            writing.Release();
        }
    }

    async Task<bool> WritePending()
    {
        while (true)
        {
            byte[][] batch;
            lock (gate)
                batch = pending.Take(256).ToArray();
            if (batch.Length == 0)
                return true;
            try
            {
                var commands = db.CreateBatch();
                var adds = batch.Select(r => commands.StreamAddAsync(key, "r", r)).ToList();
                commands.Execute();
                await Task.WhenAll(adds).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                string why = e.Message.Split('\n')[0];
                int cut = why.IndexOf(';');
                Volatile.Write(ref lastError, $"redis: {(cut > 0 ? why[..cut] : why)}");
                return false;
            }
            var sent = batch.ToHashSet(ReferenceEqualityComparer.Instance);
            lock (gate)
                while (pending.Count > 0 && sent.Contains(pending.Peek())) // those dropped while it was sent are gone already
                    pending.Dequeue();
            Interlocked.Add(ref flushed, batch.Length);
            Volatile.Write(ref lastError, null);
            if ((sinceTrim += batch.Length) >= 256)
            {
                sinceTrim = 0;
                long minId = DateTimeOffset.UtcNow.Add(-retention).ToUnixTimeMilliseconds();
                await db.ExecuteAsync("XTRIM", key, "MINID", "~", minId).ConfigureAwait(false);
            }
        }
    }

    public void Flush()
    {
        wake.Release();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (Pending > 0 && clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            if (!TryWrite().GetAwaiter().GetResult())
                break;
        }
    }

    /// <summary>Writes what waits (up to 5 s while Redis answers), then stops the writer.</summary>
    public void Dispose()
    {
        if (stop.IsCancellationRequested)
            return;
        stop.Cancel();
        try
        {
            writer.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
        }
        Flush();
        stop.Dispose();
        wake.Dispose();
        writing.Dispose();
    }
}
