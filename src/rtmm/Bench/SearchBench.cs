using System.Numerics.Tensors;
using RealtimeMM.Search;

namespace RealtimeMM.Cli.Bench;

/// <summary>
/// Text search over stored embeddings, timed on this machine in one run: a plain loop (float32
/// dot products one after another, then the top hits), the same with TensorPrimitives' vectorised
/// dot product, and <see cref="EmbeddingStore.Search"/> (int8 scan on every core, float32 re-score).
/// Random unit vectors stand in for frames: the cost does not depend on what they show.
/// </summary>
internal static class SearchBench
{
    public sealed record Result(int Rows, int Dimensions, IReadOnlyList<Timing.Stats> Paths, double TopAgreement);

    public static Result Run(int rows, int dim, int maxRuns, TimeSpan budget, Action<string> progress)
    {
        progress($"filling a store with {rows:N0} random {dim}-dim embeddings...");
        var rng = new Random(1);
        var store = new EmbeddingStore(dim, rows);
        var e = new float[dim];
        for (int r = 0; r < rows; r++)
        {
            for (int k = 0; k < dim; k++)
                e[k] = (float)(rng.NextDouble() * 2 - 1);
            store.Add(r, r / 30.0, e);
        }
        var queries = Enumerable.Range(0, 16).Select(_ => Enumerable.Range(0, dim).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray()).ToArray();
        var options = new SearchOptions { Top = 10, MinGapSeconds = 0 };
        int next = 0;
        float[] Query() => queries[next++ % queries.Length];

        // agreement of the fast path's top 10 with the plain loop's, over the queries
        int same = 0;
        foreach (var q in queries)
            same += store.Search(q, options).Select(h => h.Row).Intersect(PlainTop(store, q, 10, dot: false)).Count();
        double agreement = same / (10.0 * queries.Length);

        var paths = new List<Timing.Stats>();
        progress("plain loop");
        paths.Add(Timing.Measure("plain loop (float32, one core)", () => PlainTop(store, Query(), 10, dot: false), maxRuns, budget).Wall);
        progress("TensorPrimitives.Dot");
        paths.Add(Timing.Measure("TensorPrimitives.Dot per row (float32, one core)", () => PlainTop(store, Query(), 10, dot: true), maxRuns, budget).Wall);
        progress("EmbeddingStore.Search");
        paths.Add(Timing.Measure($"EmbeddingStore.Search (int8 AVX2 scan on {Environment.ProcessorCount} cores + float32 re-score)", () => store.Search(Query(), options), maxRuns, budget).Wall);
        return new Result(rows, dim, paths, agreement);
    }

    /// <summary>Every row scored in float32, one after another; the k best kept in a min-heap as they come.</summary>
    static int[] PlainTop(EmbeddingStore store, float[] query, int k, bool dot)
    {
        var heap = new PriorityQueue<int, float>(k + 1);
        for (int r = 0; r < store.Count; r++)
        {
            var row = store.EmbeddingAt(r);
            float s;
            if (dot)
                s = TensorPrimitives.Dot(row, query);
            else
            {
                s = 0;
                for (int i = 0; i < row.Length; i++)
                    s += row[i] * query[i];
            }
            if (heap.Count < k)
                heap.Enqueue(r, s);
            else if (heap.TryPeek(out _, out float worst) && s > worst)
                heap.EnqueueDequeue(r, s);
        }
        return heap.UnorderedItems.Select(x => x.Element).ToArray();
    }
}
