using RealtimeMM.Search;

namespace RealtimeMM.Tests.Search;

/// <summary>The int8 scan with float32 re-scoring against the plain float32 search; time filters and de-duplication.</summary>
public class EmbeddingStoreTests
{
    static EmbeddingStore Random(int rows, int dim, int seed)
    {
        var rng = new Random(seed);
        var store = new EmbeddingStore(dim);
        var e = new float[dim];
        for (int r = 0; r < rows; r++)
        {
            for (int k = 0; k < dim; k++)
                e[k] = (float)(rng.NextDouble() * 2 - 1);
            store.Add(r, r * 0.5, e);
        }
        return store;
    }

    [Test]
    public void Search_SameHitsAsTheExactSearch()
    {
        var store = Random(20_000, 128, 1);
        var rng = new Random(2);
        int same = 0, n = 0;
        double worst = 0;
        for (int q = 0; q < 30; q++)
        {
            // a query near a stored row, as real queries are near the frames that show them
            var query = store.EmbeddingAt(rng.Next(store.Count)).ToArray().Select(x => x + (float)(rng.NextDouble() - 0.5) * 0.05f).ToArray();
            var options = new SearchOptions { Top = 10, MinGapSeconds = 0 };
            var fast = store.Search(query, options);
            var exact = store.SearchExact(query, options);
            same += fast.Select(h => h.Row).Intersect(exact.Select(h => h.Row)).Count();
            n += exact.Count;
            worst = Math.Max(worst, fast.Zip(exact).Max(p => Math.Abs(p.First.Score - p.Second.Score)));
        }
        TestContext.Out.WriteLine($"int8 scan + re-score vs exact float32: {same}/{n} of the top-10 hits the same, max score difference {worst:E2}");
        Assert.That(same, Is.EqualTo(n));
        Assert.That(worst, Is.LessThan(1e-6));
    }

    [Test]
    public void Search_TimeRange_OnlyThoseFrames()
    {
        var store = Random(1000, 32, 3);
        var hits = store.Search(store.EmbeddingAt(10).ToArray(), new SearchOptions { Top = 20, From = 100, To = 200, MinGapSeconds = 0 });
        Assert.That(hits, Has.Count.EqualTo(20));
        Assert.That(hits.All(h => h.Seconds is >= 100 and <= 200), Is.True);
    }

    [Test]
    public void Search_NeighbouringFrames_OneHitPerAppearance()
    {
        var store = new EmbeddingStore(4);
        // a "red car" seen for 3 s (frames 0.1 s apart), then again at 60 s; noise frames elsewhere
        for (int i = 0; i < 30; i++)
            store.Add(i, 10 + i * 0.1, [1f, 0.01f * i, 0, 0]);
        store.Add(100, 60, [1f, 0.05f, 0, 0]);
        for (int i = 0; i < 50; i++)
            store.Add(200 + i, 100 + i, [0, 0, 1f, 0.1f * i]);
        var hits = store.Search([1f, 0, 0, 0], new SearchOptions { Top = 5, MinGapSeconds = 2 });
        Assert.That(hits.Take(2).Select(h => h.Seconds >= 60 ? "second" : "first"), Is.EquivalentTo(new[] { "first", "second" }));
        Assert.That(hits.Count(h => h.Seconds < 20), Is.EqualTo(2), "3 s of frames 2 s apart at most: two hits");
        var all = store.Search([1f, 0, 0, 0], new SearchOptions { Top = 5, MinGapSeconds = 0 });
        Assert.That(all.All(h => h.Seconds < 20), Is.True, "without de-duplication the first appearance fills the list");
    }

    [Test]
    public void Search_BadQuery_Throws()
    {
        var store = Random(10, 8, 4);
        Assert.Throws<ArgumentException>(() => store.Search(new float[7]));
        Assert.Throws<ArgumentException>(() => store.Search(new float[8]));
        Assert.Throws<ArgumentOutOfRangeException>(() => store.Search(new float[8] { 1, 0, 0, 0, 0, 0, 0, 0 }, new SearchOptions { Top = 0 }));
        Assert.Throws<ArgumentException>(() => store.Search(new float[8] { 1, 0, 0, 0, 0, 0, 0, 0 }, new SearchOptions { From = 5, To = 1 }));
    }
}
