using System.Numerics.Tensors;
using RealtimeMM.Features;

namespace RealtimeMM.Teaching;

/// <summary>
/// Finds a taught name in a feature map. Every cell scores its likeness to the name's nearest
/// example minus its likeness to the nearest thing its examples were shown against (the
/// background and the negative examples): above zero, the cell looks more like the name than like
/// anything else it was shown. The name is in a frame when its best cell scores above the name's
/// own bar (<see cref="Model.Presence"/>: at least <see cref="Presence"/>, and above its best score
/// on photos of other things, <see cref="Unlike"/>); its instances are then the peaks of the score
/// above <see cref="Presence"/>, each highest within half the examples' size across and down (in
/// whole cells, at least one), its box the cells above zero nearer to it than to any other peak.
/// Chosen on vtest.avi's development frames, not its test frames.
/// </summary>
internal static class TaughtMatcher
{
    /// <summary>How far a peak must stand above the background's likeness to count.</summary>
    public const float Presence = 0.03f;

    const int BackgroundClusters = 8, ClusterRounds = 20;

    /// <summary>
    /// A name's examples, ready to score: unit vectors of what it is and of what it is not, its
    /// examples' mean size as a share of their frames (two peaks closer than half of it are one thing),
    /// and the score its best cell must pass for the name to be in a frame.
    /// </summary>
    public sealed record Model(string Name, float[][] Positives, float[][] Negatives, double Width, double Height, float Presence = TaughtMatcher.Presence);

    /// <param name="unlike">Cells of photos of other things (<see cref="Unlike"/>; null: none): the name's bar is raised to its best score there.</param>
    public static Model ModelOf(string name, IEnumerable<TaughtExample> examples, IReadOnlyList<float[]> generic, FeatureMap? unlike = null)
    {
        var list = examples.ToList();
        var positives = list.Where(e => !e.Negative).ToList();
        // every view of an example is an example of the name; the instances' spacing is the boxes' size as shown
        var model = new Model(name, positives.SelectMany(Vectors).ToArray(),
            [.. list.SelectMany(e => e.Negative ? [e.Vector] : e.Background.Concat((e.Views ?? []).SelectMany(v => v.Background))), .. generic],
            positives.Average(e => e.Box.Width / e.FrameWidth), positives.Average(e => e.Box.Height / e.FrameHeight));
        if (unlike is null || unlike.Channels != positives[0].Vector.Length)
            return model;
        var score = new float[unlike.Rows * unlike.Columns];
        Score(unlike, model, score);
        return model with { Presence = Math.Max(Presence, TensorPrimitives.Max(score)) };
    }

    /// <summary>An example's vector and its views' (what the name looks like, as shown and seen larger).</summary>
    public static IEnumerable<float[]> Vectors(TaughtExample example) => (example.Views ?? []).Select(v => v.Vector).Prepend(example.Vector);

    /// <summary>
    /// The instances of the model's name in a scored grid, best first: none when no cell passes the
    /// name's bar (<see cref="Model.Presence"/>), else every peak above <see cref="Presence"/> (one
    /// sure instance makes the fainter ones around it count too, as in hysteresis thresholding).
    /// </summary>
    public static List<TaughtInstance> Instances(ScoreGrid grid, Model model) =>
        TensorPrimitives.Max(grid.Score) > model.Presence ? Instances(grid, Presence, model.Width, model.Height) : [];

    /// <summary>Each cell's score (likeness to the name minus likeness to its background), into <paramref name="score"/>.</summary>
    public static void Score(FeatureMap map, Model model, float[] score)
    {
        int cells = map.Rows * map.Columns;
        map.MaxSimilarity(model.Positives, score);
        if (model.Negatives.Length > 0)
        {
            var rented = System.Buffers.ArrayPool<float>.Shared.Rent(cells); // per frame and name: no garbage
            try
            {
                var best = rented.AsSpan(0, cells);
                map.MaxSimilarity(model.Negatives, best);
                TensorPrimitives.Subtract(score.AsSpan(0, cells), best, score.AsSpan(0, cells));
            }
            finally
            {
                System.Buffers.ArrayPool<float>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// The instances in a scored grid, best first: peaks above <paramref name="presence"/> at least
    /// half a thing's size apart (<paramref name="width"/> and <paramref name="height"/> as shares of
    /// the frame; in whole cells, at least one).
    /// </summary>
    public static List<TaughtInstance> Instances(ScoreGrid grid, float presence, double width, double height)
    {
        int rows = grid.Rows, cols = grid.Columns, cells = rows * cols;
        var score = grid.Score;
        int peakAcross = Math.Max(1, (int)Math.Round(width * cols / 2)), peakDown = Math.Max(1, (int)Math.Round(height * rows / 2));
        var peaks = new List<int>();
        for (int i = 0; i < cells; i++)
        {
            if (score[i] <= presence)
                continue;
            int r = i / cols, c = i % cols;
            bool isPeak = true;
            for (int dr = -peakDown; dr <= peakDown && isPeak; dr++)
                for (int dc = -peakAcross; dc <= peakAcross; dc++)
                {
                    int rr = r + dr, cc = c + dc;
                    if ((dr == 0 && dc == 0) || rr < 0 || cc < 0 || rr >= rows || cc >= cols)
                        continue;
                    int k = rr * cols + cc;
                    if (score[k] > score[i] || (score[k] == score[i] && k < i))
                    {
                        isPeak = false;
                        break;
                    }
                }
            if (isPeak)
                peaks.Add(i);
        }
        // every cell above zero goes to the peak it reaches first, spreading from all peaks at once
        var owner = new int[cells];
        Array.Fill(owner, -1);
        var queue = new Queue<int>();
        for (int p = 0; p < peaks.Count; p++)
        {
            owner[peaks[p]] = p;
            queue.Enqueue(peaks[p]);
        }
        while (queue.Count > 0)
        {
            int i = queue.Dequeue(), r = i / cols, c = i % cols;
            for (int dr = -1; dr <= 1; dr++)
                for (int dc = -1; dc <= 1; dc++)
                {
                    int rr = r + dr, cc = c + dc;
                    if (rr < 0 || cc < 0 || rr >= rows || cc >= cols)
                        continue;
                    int k = rr * cols + cc;
                    if (owner[k] < 0 && score[k] > 0)
                    {
                        owner[k] = owner[i];
                        queue.Enqueue(k);
                    }
                }
        }
        var found = new List<TaughtInstance>();
        for (int p = 0; p < peaks.Count; p++)
        {
            int r0 = rows, r1 = -1, c0 = cols, c1 = -1;
            for (int i = 0; i < cells; i++)
                if (owner[i] == p)
                {
                    r0 = Math.Min(r0, i / cols);
                    r1 = Math.Max(r1, i / cols);
                    c0 = Math.Min(c0, i % cols);
                    c1 = Math.Max(c1, i % cols);
                }
            double cw = grid.CellWidth, ch = grid.CellHeight;
            found.Add(new TaughtInstance(new BoxF((float)(c0 * cw), (float)(r0 * ch), (float)((c1 - c0 + 1) * cw), (float)((r1 - r0 + 1) * ch)),
                score[peaks[p]], (peaks[p] % cols + 0.5) * cw, (peaks[p] / cols + 0.5) * ch));
        }
        found.Sort((a, b) => b.Score.CompareTo(a.Score));
        return found;
    }

    /// <summary>The instance's core cells, for its colors: in its box, scoring at least half its peak (its edges hold the ground it stands on).</summary>
    public static IEnumerable<(int Row, int Column)> CellsOf(ScoreGrid grid, TaughtInstance instance)
    {
        for (int r = 0; r < grid.Rows; r++)
            for (int c = 0; c < grid.Columns; c++)
                if (grid.Score[r * grid.Columns + c] >= instance.Score / 2 && instance.Box.Contains((float)((c + 0.5) * grid.CellWidth), (float)((r + 0.5) * grid.CellHeight)))
                    yield return (r, c);
    }

    /// <summary>
    /// Things in general, as the features see them: 64 spherical k-means centres of the stage-3 cells
    /// of the photos in Debian opencv-doc's examples/data (not vtest.avi, nor any photo the tests use;
    /// <c>tools/BackgroundBank</c> makes the file). Every name is scored against them too, so a frame
    /// unlike its examples' frames does not look like the name merely for being unlike their background.
    /// Empty for features of another stage.
    /// </summary>
    public static IReadOnlyList<float[]> GenericBackground(int stage, int channels)
    {
        if (stage != 3)
            return [];
        return Rows(background.Value, channels, "resnet18-stage3-background.bin").Chunk(channels).ToArray();
    }

    // the SDK's two banks, read from their resources once per process (every answerer shares them, read only)
    static readonly Lazy<float[]> background = new(() =>
    {
        var bytes = Resource("resnet18-stage3-background.bin");
        var all = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, all, 0, all.Length * 4);
        return all;
    });

    static readonly Lazy<float[]> unlikeCells = new(() =>
    {
        var halves = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, Half>(Resource("resnet18-stage3-unlike.bin"));
        var all = new float[halves.Length];
        for (int i = 0; i < halves.Length; i++)
            all[i] = (float)halves[i];
        return all;
    });

    static byte[] Resource(string name)
    {
        using var stream = typeof(TaughtMatcher).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"the SDK lacks its resource {name}");
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    static float[] Rows(float[] all, int channels, string name) => all.Length % channels == 0 ? all
        : throw new InvalidOperationException($"{name} holds {all.Length} numbers, not rows of {channels}");

    /// <summary>
    /// Photos of other things, as the features see them: the 2048 stage-3 cells of the same photos as
    /// <see cref="GenericBackground"/> least like its centres (a name scores highest on those photos
    /// in cells unlike every centre; <c>tools/BackgroundBank</c> makes the file), as a one-row map of
    /// unit vectors. A name's best score on them is how high it scores where it is not (mostly: the
    /// photos hold a few people and animals, so those names' bars come out higher). Null for features
    /// of another stage.
    /// </summary>
    public static FeatureMap? Unlike(int stage, int channels)
    {
        if (stage != 3)
            return null;
        var all = Rows(unlikeCells.Value, channels, "resnet18-stage3-unlike.bin");
        int n = all.Length / channels;
        var map = new FeatureMap(1, n, channels, n, 1);
        all.CopyTo(map.Cells, 0);
        for (int i = 0; i < n; i++)
        {
            var v = map.Cells.AsSpan(i * channels, channels);
            TensorPrimitives.Divide(v, TensorPrimitives.Norm(v), v); // unit again after rounding to halves
        }
        return map;
    }

    /// <summary>
    /// What an example's frame held besides it: the cells outside its box that look less like the
    /// name than the least alike cell inside it (so other, unboxed instances are not learnt as
    /// background), summed up as a few cluster centres (spherical k-means, deterministic).
    /// </summary>
    public static float[][] Background(FeatureMap map, BoxF box, float[][] positives)
    {
        int cells = map.Rows * map.Columns;
        var likeness = new float[cells];
        map.MaxSimilarity(positives, likeness);
        float leastInside = float.MaxValue;
        for (int r = 0; r < map.Rows; r++)
            for (int c = 0; c < map.Columns; c++)
                if (map.Overlap(box, r, c) >= 0.5)
                    leastInside = Math.Min(leastInside, likeness[r * map.Columns + c]);
        if (leastInside == float.MaxValue) // a box smaller than half a cell
            leastInside = TensorPrimitives.Max(likeness);
        var samples = new List<float[]>();
        for (int r = 0; r < map.Rows; r++)
            for (int c = 0; c < map.Columns; c++)
                if (map.Overlap(box, r, c) == 0 && likeness[r * map.Columns + c] < leastInside)
                    samples.Add(map.Cell(r, c).ToArray());
        return Cluster(samples, BackgroundClusters, ClusterRounds);
    }

    /// <summary>Spherical k-means of unit vectors: at most <paramref name="k"/> unit centres, started from evenly spaced samples (deterministic).</summary>
    public static float[][] Cluster(IReadOnlyList<float[]> samples, int k, int rounds)
    {
        k = Math.Min(k, samples.Count);
        if (k == 0)
            return [];
        var centres = Enumerable.Range(0, k).Select(i => (float[])samples[i * samples.Count / k].Clone()).ToArray();
        int channels = centres[0].Length;
        for (int round = 0; round < rounds; round++)
        {
            var sums = centres.Select(_ => new float[channels]).ToArray();
            foreach (var x in samples)
            {
                int best = 0;
                float bestDot = float.MinValue;
                for (int j = 0; j < k; j++)
                {
                    float d = TensorPrimitives.Dot(x, centres[j]);
                    if (d > bestDot)
                        (bestDot, best) = (d, j);
                }
                TensorPrimitives.Add(sums[best], x, sums[best]);
            }
            for (int j = 0; j < k; j++)
            {
                float n = TensorPrimitives.Norm(sums[j]);
                if (n > 0)
                    TensorPrimitives.Divide(sums[j], n, centres[j]);
            }
        }
        return centres;
    }
}
