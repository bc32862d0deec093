namespace RealtimeMM.Preprocess;

/// <summary>
/// The bytes of a frame the preprocessing kernel can read, as runs of (offset, length) in the
/// frame's own layout. A 1920x1080 frame resized to 224 rows reads 2 of every ~4.8 rows, and a
/// center crop reads the middle columns only, so uploading just those bytes, at their usual
/// offsets, moves a fraction of the frame and leaves the kernel unchanged: the rows it skips are
/// never read. Made once per (source size, spec) from the same <see cref="PreprocessGeometry"/>
/// and taps the kernel uses, with a neighbour to spare wherever a float rounding on the GPU could
/// move a tap by one pixel.
/// </summary>
internal sealed class UploadPlan
{
    /// <summary>Within this distance of a whole pixel, a tap may land on the neighbour after GPU rounding.</summary>
    const float Slack = 0.01f;

    UploadPlan((long Offset, int Length)[] runs, long bytes) => (Runs, Bytes) = (runs, bytes);

    public (long Offset, int Length)[] Runs { get; }

    /// <summary>Bytes uploaded per frame.</summary>
    public long Bytes { get; }

    public static UploadPlan For(int width, int height, int stride, PreprocessSpec spec, PreprocessGeometry g)
    {
        bool area = spec.Filter == ResizeFilter.Area;
        var rows = Needed(height, spec.Height, g.ScaleY, g.OriginY, area, g.Letterbox);
        var cols = Needed(width, spec.Width, g.ScaleX, g.OriginX, area, g.Letterbox);
        int c0 = Array.IndexOf(cols, true), c1 = Array.LastIndexOf(cols, true);
        var runs = new List<(long Offset, int Length)>();
        long bytes = 0;
        if (c0 < 0)
            return new([], 0);
        int length = (c1 - c0 + 1) * 3;
        for (int r = 0; r < height; r++)
        {
            if (!rows[r])
                continue;
            long offset = (long)r * stride + c0 * 3;
            if (runs.Count > 0 && runs[^1].Offset + runs[^1].Length == offset)
                runs[^1] = (runs[^1].Offset, runs[^1].Length + length); // whole rows back to back: one run
            else
                runs.Add((offset, length));
            bytes += length;
        }
        return new(runs.ToArray(), bytes);
    }

    /// <summary>Which source pixels along one axis any output pixel reads.</summary>
    static bool[] Needed(int size, int outSize, float scale, float origin, bool area, bool letterbox)
    {
        var needed = new bool[size];
        for (int o = 0; o < outSize; o++)
        {
            float center = (o + 0.5f) * scale + origin;
            if (letterbox && (center < -Slack || center >= size + Slack))
                continue; // the kernel writes the mean there without reading
            var t = PreprocessGeometry.Taps(center, scale, size, area);
            int first = t.First, last = t.Last;
            if (t.Area)
                (first, last) = (first - 1, last + 1); // a footprint edge near a whole pixel
            else
            {
                if (t.Frac < Slack)
                    first--;              // the GPU may land just below: taps first - 1, first
                if (t.Frac > 1 - Slack)
                    last = t.First + 2;   // or just above: taps first + 1, first + 2
            }
            for (int i = Math.Max(first, 0); i <= Math.Min(last, size - 1); i++)
                needed[i] = true;
        }
        return needed;
    }
}
