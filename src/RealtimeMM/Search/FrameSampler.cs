using RealtimeMM.Frames;

namespace RealtimeMM.Search;

/// <summary>
/// Decides which frames of a stream go into the index: at most one per <see cref="Interval"/>,
/// and, while the picture does not change, one per <see cref="StaticInterval"/> only, so a camera
/// looking at an empty room does not store the same frame a thousand times. The change detector
/// compares a 32x24 grey thumbnail with the last stored frame's (mean absolute difference in grey
/// levels), which costs microseconds and runs before the vision encoder, so skipped frames cost
/// nothing else.
/// </summary>
public sealed class FrameSampler
{
    const int ThumbWidth = 32, ThumbHeight = 24;

    readonly byte[] last = new byte[ThumbWidth * ThumbHeight];
    readonly byte[] current = new byte[ThumbWidth * ThumbHeight];
    double lastStored = double.NegativeInfinity;

    /// <summary>Shortest time between stored frames (seconds). Default 0.5 s: 7,200 frames an hour.</summary>
    public double Interval { get; init; } = 0.5;

    /// <summary>Longest time between stored frames of an unchanging picture (seconds).</summary>
    public double StaticInterval { get; init; } = 10;

    /// <summary>Mean absolute grey-level difference of the thumbnails above which the picture has changed.</summary>
    public double ChangeThreshold { get; init; } = 2.0;

    /// <summary>A sampler with these settings that has seen no frame yet (a settings object can be shared; its state cannot).</summary>
    public FrameSampler Fresh() => new() { Interval = Interval, StaticInterval = StaticInterval, ChangeThreshold = ChangeThreshold };

    /// <summary>Frames offered and frames kept so far.</summary>
    public long Offered { get; private set; }
    public long Kept { get; private set; }

    /// <summary>The last thumbnail difference measured (grey levels).</summary>
    public double LastChange { get; private set; }

    /// <summary>Whether to index this frame (when it says yes, the frame becomes the one later frames are compared with).</summary>
    public bool ShouldStore(ImageView frame, double seconds)
    {
        if (!(Interval >= 0) || !(StaticInterval >= Interval) || !(ChangeThreshold >= 0))
            throw new InvalidOperationException($"sampler settings: interval {Interval} s, static interval {StaticInterval} s, change threshold {ChangeThreshold} must be 0 <= interval <= static interval and threshold >= 0");
        frame.Validate();
        Offered++;
        if (seconds - lastStored < Interval)
            return false;
        Thumbnail(frame, current);
        LastChange = double.IsNegativeInfinity(lastStored) ? double.PositiveInfinity : MeanAbsDiff(current, last);
        if (LastChange < ChangeThreshold && seconds - lastStored < StaticInterval)
            return false;
        current.CopyTo(last, 0);
        lastStored = seconds;
        Kept++;
        return true;
    }

    /// <summary>Box-averaged grey levels (BT.601 weights) over a 32x24 grid of the frame.</summary>
    static void Thumbnail(ImageView frame, byte[] thumb)
    {
        var px = frame.Pixels;
        for (int ty = 0; ty < ThumbHeight; ty++)
        {
            int y0 = ty * frame.Height / ThumbHeight, y1 = Math.Max(y0 + 1, (ty + 1) * frame.Height / ThumbHeight);
            for (int tx = 0; tx < ThumbWidth; tx++)
            {
                int x0 = tx * frame.Width / ThumbWidth, x1 = Math.Max(x0 + 1, (tx + 1) * frame.Width / ThumbWidth);
                // every other row and column of the cell is plenty for a change detector
                long sum = 0, n = 0;
                for (int y = y0; y < y1; y += 2)
                    for (int x = x0; x < x1; x += 2)
                    {
                        int i = y * frame.Stride + x * 3;
                        sum += 29 * px[i] + 150 * px[i + 1] + 77 * px[i + 2];
                        n++;
                    }
                thumb[ty * ThumbWidth + tx] = (byte)(sum / (256 * n));
            }
        }
    }

    static double MeanAbsDiff(byte[] a, byte[] b)
    {
        long sum = 0;
        for (int i = 0; i < a.Length; i++)
            sum += Math.Abs(a[i] - b[i]);
        return (double)sum / a.Length;
    }
}
