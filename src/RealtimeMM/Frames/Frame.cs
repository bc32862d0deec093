namespace RealtimeMM.Frames;

/// <summary>
/// One captured image: BGR24 pixels in a pooled, pinned buffer, with its index and a monotonic timestamp.
/// The frame owns its buffer and returns it to the pool on <see cref="Dispose"/>; whoever holds a
/// frame disposes it exactly once. <see cref="Pixels"/> is valid until Dispose.
/// </summary>
public sealed class Frame : IDisposable
{
    static long live;
    byte[]? buffer;

    Frame(byte[] buffer, int width, int height, int stride, long index, TimeSpan timestamp)
    {
        this.buffer = buffer;
        Width = width;
        Height = height;
        Stride = stride;
        Index = index;
        Timestamp = timestamp;
        Interlocked.Increment(ref live);
    }

    /// <summary>Frames allocated and not yet disposed, process-wide (tests use it to find leaks).</summary>
    public static long LiveCount => Interlocked.Read(ref live);

    public int Width { get; }
    public int Height { get; }

    /// <summary>Bytes from the start of one row to the next (at least Width * 3).</summary>
    public int Stride { get; }

    public PixelFormat Format => PixelFormat.Bgr24;

    /// <summary>Position of the frame in its source, from 0.</summary>
    public long Index { get; }

    /// <summary>Time since the source started; strictly increasing within one source.</summary>
    public TimeSpan Timestamp { get; internal set; }

    public bool IsDisposed => buffer is null;

    /// <summary>The pixels, <c>Height * Stride</c> bytes. Span valid until Dispose.</summary>
    public Span<byte> Pixels => Buffer.AsSpan(0, Height * Stride);

    /// <summary>Row <paramref name="y"/>: <c>Width * 3</c> bytes. Span valid until Dispose.</summary>
    public Span<byte> Row(int y)
    {
        if ((uint)y >= (uint)Height)
            throw new ArgumentOutOfRangeException(nameof(y), y, $"row must be in [0, {Height})");
        return Buffer.AsSpan(y * Stride, Width * 3);
    }

    /// <summary>The pixels as memory, for asynchronous reads into the frame. Valid until Dispose.</summary>
    internal Memory<byte> PixelMemory => Buffer.AsMemory(0, Height * Stride);

    /// <summary>The pooled array on the pinned object heap that <see cref="Pixels"/> starts at.</summary>
    internal byte[] PinnedArray => Buffer;

    byte[] Buffer => buffer ?? throw new ObjectDisposedException(nameof(Frame), $"frame {Index} was disposed");

    /// <summary>Allocates a frame with a tightly packed stride. Contents are unspecified.</summary>
    public static Frame Allocate(int width, int height, long index, TimeSpan timestamp)
    {
        if (width <= 0 || height <= 0)
            throw new ArgumentOutOfRangeException(nameof(width), $"frame size must be positive, got {width}x{height}");
        if ((long)width * height * 3 > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(width), $"frame {width}x{height} is larger than 2 GiB");
        int stride = width * 3;
        return new Frame(PinnedBufferPool.Rent(stride * height), width, height, stride, index, timestamp);
    }

    /// <summary>Copies BGR24 pixels laid out with <paramref name="stride"/> into a new frame.</summary>
    public static Frame CopyFrom(ReadOnlySpan<byte> bgr24, int width, int height, int stride, long index, TimeSpan timestamp)
    {
        if (stride < width * 3)
            throw new ArgumentOutOfRangeException(nameof(stride), $"stride {stride} is smaller than width*3 = {width * 3}");
        if (bgr24.Length < (long)stride * (height - 1) + width * 3)
            throw new ArgumentException($"pixel span holds {bgr24.Length} bytes, a {width}x{height} frame with stride {stride} needs {(long)stride * (height - 1) + width * 3}", nameof(bgr24));
        var frame = Allocate(width, height, index, timestamp);
        for (int y = 0; y < height; y++)
            bgr24.Slice(y * stride, width * 3).CopyTo(frame.Row(y));
        return frame;
    }

    /// <summary>A copy with another index and timestamp (the pixels are copied).</summary>
    public Frame Clone(long index, TimeSpan timestamp) => CopyFrom(Pixels, Width, Height, Stride, index, timestamp);

    /// <summary>True when both frames have the same size and identical pixels.</summary>
    public bool PixelsEqual(Frame other)
    {
        if (other.Width != Width || other.Height != Height)
            return false;
        for (int y = 0; y < Height; y++)
            if (!Row(y).SequenceEqual(other.Row(y)))
                return false;
        return true;
    }

    public void Dispose()
    {
        var b = Interlocked.Exchange(ref buffer, null);
        if (b is null)
            return;
        PinnedBufferPool.Return(b);
        Interlocked.Decrement(ref live);
    }

    public override string ToString() => $"frame {Index} {Width}x{Height} @ {Timestamp.TotalMilliseconds:F1} ms";
}
