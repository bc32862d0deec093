using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RealtimeMM.Search;

/// <summary>
/// Stored frame embeddings and cosine-similarity search over them. Each embedding is kept twice:
/// float32 (exact scores) and int8 with a per-row scale (a quarter of the memory traffic). A search
/// scans the int8 rows on every core with AVX2 multiply-adds, keeps the best few dozen candidates,
/// scores those exactly in float32, and drops hits too close in time to a better one. Embeddings
/// are L2-normalised on the way in, so the dot product is the cosine similarity.
/// Add from one thread at a time; searches may run beside each other but not beside an Add.
/// </summary>
public sealed class EmbeddingStore
{
    const int MinCandidates = 64, CandidatesPerHit = 16, RowsPerTask = 16_384;

    float[] exact;
    sbyte[] quantized;
    float[] scales;
    long[] frames;
    double[] seconds;

    public EmbeddingStore(int dimensions, int capacity = 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
        Dimensions = dimensions;
        capacity = Math.Max(capacity, 16);
        exact = new float[(long)capacity * dimensions];
        quantized = new sbyte[(long)capacity * dimensions];
        scales = new float[capacity];
        frames = new long[capacity];
        seconds = new double[capacity];
    }

    public int Dimensions { get; }
    public int Count { get; private set; }

    public long FrameAt(int row) => frames[CheckRow(row)];
    public double SecondsAt(int row) => seconds[CheckRow(row)];
    public ReadOnlySpan<float> EmbeddingAt(int row) => exact.AsSpan(CheckRow(row) * Dimensions, Dimensions);

    int CheckRow(int row) => (uint)row < (uint)Count ? row : throw new ArgumentOutOfRangeException(nameof(row), row, $"the store holds {Count} rows");

    /// <summary>Adds a frame's embedding (copied and L2-normalised).</summary>
    public void Add(long frameIndex, double timestamp, ReadOnlySpan<float> embedding)
    {
        if (embedding.Length != Dimensions)
            throw new ArgumentException($"embedding has {embedding.Length} values, the store holds {Dimensions}", nameof(embedding));
        float norm = TensorPrimitives.Norm(embedding);
        if (!float.IsFinite(norm) || norm == 0)
            throw new ArgumentException("embedding is zero or not finite", nameof(embedding));
        if (Count == frames.Length)
            Grow();
        var row = exact.AsSpan(Count * Dimensions, Dimensions);
        TensorPrimitives.Divide(embedding, norm, row);
        float max = MathF.Abs(TensorPrimitives.MaxMagnitude(row)); // MaxMagnitude keeps the sign
        scales[Count] = max / 127f;
        var q = quantized.AsSpan(Count * Dimensions, Dimensions);
        for (int i = 0; i < row.Length; i++)
            q[i] = (sbyte)Math.Round(row[i] * 127f / max);
        frames[Count] = frameIndex;
        seconds[Count] = timestamp;
        Count++;
    }

    void Grow()
    {
        int capacity = checked(frames.Length * 2);
        Array.Resize(ref exact, checked(capacity * Dimensions));
        Array.Resize(ref quantized, capacity * Dimensions);
        Array.Resize(ref scales, capacity);
        Array.Resize(ref frames, capacity);
        Array.Resize(ref seconds, capacity);
    }

    /// <summary>The best frames for a query embedding (L2-normalised here), best first.</summary>
    public IReadOnlyList<SearchHit> Search(ReadOnlySpan<float> query, SearchOptions? options = null)
    {
        options ??= new SearchOptions();
        var q = Normalized(query, options);
        int want = Math.Max(MinCandidates, options.Top * CandidatesPerHit);
        // the int8 query, widened to int16 once for the multiply-adds
        float qmax = MathF.Abs(TensorPrimitives.MaxMagnitude(q));
        var q16 = new short[Dimensions];
        for (int i = 0; i < Dimensions; i++)
            q16[i] = (short)Math.Round(q[i] * 127f / qmax);
        int tasks = Math.Max(1, (Count + RowsPerTask - 1) / RowsPerTask);
        var partial = new TopK[tasks];
        Parallel.For(0, tasks, t =>
        {
            var top = new TopK(want);
            int end = Math.Min(Count, (t + 1) * RowsPerTask);
            for (int r = t * RowsPerTask; r < end; r++)
            {
                if (!InRange(r, options))
                    continue;
                top.Offer(r, DotInt8(quantized.AsSpan(r * Dimensions, Dimensions), q16) * scales[r]);
            }
            partial[t] = top;
        });
        var candidates = new List<int>();
        foreach (var top in partial)
            candidates.AddRange(top.Rows);
        return Finish(q, candidates, options);
    }

    /// <summary>The same search scoring every row in float32 (the reference the int8 scan is checked against).</summary>
    public IReadOnlyList<SearchHit> SearchExact(ReadOnlySpan<float> query, SearchOptions? options = null)
    {
        options ??= new SearchOptions();
        var q = Normalized(query, options);
        var rows = Enumerable.Range(0, Count).Where(r => InRange(r, options)).ToList();
        return Finish(q, rows, options);
    }

    float[] Normalized(ReadOnlySpan<float> query, SearchOptions options)
    {
        options.Validate();
        if (query.Length != Dimensions)
            throw new ArgumentException($"query embedding has {query.Length} values, the store holds {Dimensions}", nameof(query));
        float norm = TensorPrimitives.Norm(query);
        if (!float.IsFinite(norm) || norm == 0)
            throw new ArgumentException("query embedding is zero or not finite", nameof(query));
        var q = new float[Dimensions];
        TensorPrimitives.Divide(query, norm, q);
        return q;
    }

    bool InRange(int row, SearchOptions o) => o.InRange(seconds[row]);

    /// <summary>Exact scores for the candidates, best first, each at least MinGapSeconds from every better hit kept.</summary>
    List<SearchHit> Finish(float[] q, List<int> rows, SearchOptions options)
    {
        var scored = rows.Select(r => new SearchHit(r, frames[r], seconds[r], TensorPrimitives.Dot(exact.AsSpan(r * Dimensions, Dimensions), q)))
            .OrderByDescending(h => h.Score).ThenBy(h => h.Row);
        return options.KeepApart(scored);
    }

    /// <summary>Dot product of an int8 row with the int16-widened query.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int DotInt8(ReadOnlySpan<sbyte> row, ReadOnlySpan<short> q)
    {
        int i = 0, sum = 0;
        if (Avx2.IsSupported && row.Length >= 16)
        {
            ref sbyte r0 = ref MemoryMarshal.GetReference(row);
            ref short q0 = ref MemoryMarshal.GetReference(q);
            var acc = Vector256<int>.Zero;
            for (; i + 16 <= row.Length; i += 16)
            {
                var r16 = Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref r0, (nuint)i));
                acc = Avx2.Add(acc, Avx2.MultiplyAddAdjacent(r16, Vector256.LoadUnsafe(ref q0, (nuint)i)));
            }
            sum = Vector256.Sum(acc);
        }
        for (; i < row.Length; i++)
            sum += row[i] * q[i];
        return sum;
    }

    /// <summary>The k best (row, approximate score) seen, kept in a min-heap.</summary>
    sealed class TopK(int k)
    {
        readonly PriorityQueue<int, float> heap = new(k + 1);

        public void Offer(int row, float score)
        {
            if (heap.Count < k)
                heap.Enqueue(row, score);
            else if (heap.TryPeek(out _, out float worst) && score > worst)
                heap.EnqueueDequeue(row, score);
        }

        public IEnumerable<int> Rows => heap.UnorderedItems.Select(x => x.Element);
    }
}
