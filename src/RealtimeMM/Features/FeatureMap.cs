using System.Numerics;
using System.Runtime.InteropServices;
using System.Numerics.Tensors;

namespace RealtimeMM.Features;

/// <summary>
/// One frame's feature map: a grid of <see cref="Rows"/> x <see cref="Columns"/> cells, each a unit
/// vector of <see cref="Channels"/> numbers, row by row. Cell (r, c) covers the frame rectangle
/// [c, c + 1) x [r, r + 1) in units of <see cref="CellWidth"/> x <see cref="CellHeight"/> frame pixels.
/// </summary>
public sealed class FeatureMap
{
    internal FeatureMap(int rows, int columns, int channels, int frameWidth, int frameHeight)
    {
        Rows = rows;
        Columns = columns;
        Channels = channels;
        FrameWidth = frameWidth;
        FrameHeight = frameHeight;
        Cells = new float[rows * columns * channels];
    }

    public int Rows { get; }
    public int Columns { get; }
    public int Channels { get; }

    /// <summary>The size of the frame the map was computed from, in pixels.</summary>
    public int FrameWidth { get; internal set; }

    /// <summary>The frame's height in pixels.</summary>
    public int FrameHeight { get; internal set; }

    public double CellWidth => (double)FrameWidth / Columns;
    public double CellHeight => (double)FrameHeight / Rows;

    /// <summary>All cells' vectors, cell (r, c) at <c>(r * Columns + c) * Channels</c>.</summary>
    internal float[] Cells { get; }

    /// <summary>A copy of this map, into <paramref name="into"/> when it has the same shape.</summary>
    internal FeatureMap CopyTo(FeatureMap? into)
    {
        if (into is null || into.Rows != Rows || into.Columns != Columns || into.Channels != Channels)
            into = new FeatureMap(Rows, Columns, Channels, FrameWidth, FrameHeight);
        Cells.CopyTo(into.Cells, 0);
        into.FrameWidth = FrameWidth;
        into.FrameHeight = FrameHeight;
        return into;
    }

    /// <summary>Cell (r, c)'s unit vector.</summary>
    public ReadOnlySpan<float> Cell(int row, int column) => Cells.AsSpan((row * Columns + column) * Channels, Channels);

    /// <summary>Cosine similarity of every cell with the unit vector <paramref name="prototype"/>, row by row, into <paramref name="map"/>.</summary>
    public void Similarity(ReadOnlySpan<float> prototype, Span<float> map)
    {
        if (prototype.Length != Channels)
            throw new ArgumentException($"prototype has {prototype.Length} numbers, the map's cells {Channels}", nameof(prototype));
        if (map.Length < Rows * Columns)
            throw new ArgumentException($"map has room for {map.Length} cells, the feature map has {Rows * Columns}", nameof(map));
        for (int i = 0; i < Rows * Columns; i++)
            map[i] = TensorPrimitives.Dot(Cells.AsSpan(i * Channels, Channels), prototype);
    }

    /// <summary>
    /// Each cell's greatest cosine similarity with any of <paramref name="vectors"/> (unit vectors of
    /// the map's channels), into <paramref name="best"/>; -1 where there are none. The same numbers
    /// as <see cref="Similarity"/> per vector and the larger kept, computed four cells by three
    /// vectors at a time so both stay in registers (a taught name's score reads every cell against
    /// 50-100 vectors each frame).
    /// </summary>
    internal void MaxSimilarity(IReadOnlyList<float[]> vectors, Span<float> best)
    {
        int cells = Rows * Columns, c = Channels, lanes = Vector<float>.Count;
        if (best.Length < cells)
            throw new ArgumentException($"room for {best.Length} cells, the feature map has {cells}", nameof(best));
        foreach (var v in vectors)
            if (v.Length != c)
                throw new ArgumentException($"a vector has {v.Length} numbers, the map's cells {c}", nameof(vectors));
        best[..cells].Fill(-1f);
        var all = Cells.AsSpan();
        int blockedCells = c % lanes == 0 ? cells / 4 * 4 : 0, blockedVectors = c % lanes == 0 ? vectors.Count / 3 * 3 : 0;
        for (int i = 0; i < blockedCells; i += 4)
        {
            var x0 = MemoryMarshal.Cast<float, Vector<float>>(all.Slice(i * c, c));
            var x1 = MemoryMarshal.Cast<float, Vector<float>>(all.Slice((i + 1) * c, c));
            var x2 = MemoryMarshal.Cast<float, Vector<float>>(all.Slice((i + 2) * c, c));
            var x3 = MemoryMarshal.Cast<float, Vector<float>>(all.Slice((i + 3) * c, c));
            for (int k = 0; k < blockedVectors; k += 3)
            {
                var v0 = MemoryMarshal.Cast<float, Vector<float>>(vectors[k].AsSpan());
                var v1 = MemoryMarshal.Cast<float, Vector<float>>(vectors[k + 1].AsSpan());
                var v2 = MemoryMarshal.Cast<float, Vector<float>>(vectors[k + 2].AsSpan());
                Vector<float> a00 = default, a01 = default, a02 = default, a10 = default, a11 = default, a12 = default;
                Vector<float> a20 = default, a21 = default, a22 = default, a30 = default, a31 = default, a32 = default;
                for (int j = 0; j < x0.Length; j++)
                {
                    Vector<float> p = v0[j], q = v1[j], r = v2[j], x = x0[j];
                    a00 += x * p; a01 += x * q; a02 += x * r;
                    x = x1[j];
                    a10 += x * p; a11 += x * q; a12 += x * r;
                    x = x2[j];
                    a20 += x * p; a21 += x * q; a22 += x * r;
                    x = x3[j];
                    a30 += x * p; a31 += x * q; a32 += x * r;
                }
                best[i] = Math.Max(best[i], Math.Max(Vector.Sum(a00), Math.Max(Vector.Sum(a01), Vector.Sum(a02))));
                best[i + 1] = Math.Max(best[i + 1], Math.Max(Vector.Sum(a10), Math.Max(Vector.Sum(a11), Vector.Sum(a12))));
                best[i + 2] = Math.Max(best[i + 2], Math.Max(Vector.Sum(a20), Math.Max(Vector.Sum(a21), Vector.Sum(a22))));
                best[i + 3] = Math.Max(best[i + 3], Math.Max(Vector.Sum(a30), Math.Max(Vector.Sum(a31), Vector.Sum(a32))));
            }
        }
        // what the blocks left: the last cells against every vector, every cell against the last vectors
        for (int i = 0; i < cells; i++)
            for (int k = i < blockedCells ? blockedVectors : 0; k < vectors.Count; k++)
                best[i] = Math.Max(best[i], TensorPrimitives.Dot(all.Slice(i * c, c), vectors[k]));
    }

    /// <summary>
    /// The unit mean of the cells a box covers, each weighted by how much of it lies in the box
    /// (cells under a quarter covered are left out unless nothing else is): what a taught example remembers.
    /// </summary>
    public float[] Pool(BoxF box)
    {
        var sum = new float[Channels];
        double total = 0;
        for (int pass = 0; pass < 2 && total == 0; pass++)
            for (int r = 0; r < Rows; r++)
                for (int c = 0; c < Columns; c++)
                {
                    double w = Overlap(box, r, c);
                    if (w <= 0 || (pass == 0 && w < 0.25))
                        continue;
                    TensorPrimitives.MultiplyAdd(Cell(r, c), (float)w, sum, sum);
                    total += w;
                }
        Normalise(sum);
        return sum;
    }

    /// <summary>The share of cell (r, c) that lies inside the box, 0..1.</summary>
    public double Overlap(BoxF box, int row, int column)
    {
        double x0 = column * CellWidth, x1 = x0 + CellWidth, y0 = row * CellHeight, y1 = y0 + CellHeight;
        double w = Math.Min(x1, box.X + box.Width) - Math.Max(x0, box.X);
        double h = Math.Min(y1, box.Y + box.Height) - Math.Max(y0, box.Y);
        return w <= 0 || h <= 0 ? 0 : w * h / (CellWidth * CellHeight);
    }

    internal static void Normalise(Span<float> v)
    {
        float n = TensorPrimitives.Norm(v);
        if (n > 1e-12f)
            TensorPrimitives.Divide(v, n, v);
    }
}
