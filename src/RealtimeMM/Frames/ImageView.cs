namespace RealtimeMM.Frames;

/// <summary>
/// Borrowed pixels of an interleaved 8-bit image: the preprocessors read it and keep nothing.
/// Preprocessing takes 3-channel BGR24; <see cref="Validate"/> says so when given anything else.
/// </summary>
public readonly ref struct ImageView
{
    public ImageView(ReadOnlySpan<byte> pixels, int width, int height, int stride, int channels = 3)
    {
        Pixels = pixels;
        Width = width;
        Height = height;
        Stride = stride;
        Channels = channels;
    }

    public ReadOnlySpan<byte> Pixels { get; }
    public int Width { get; }
    public int Height { get; }

    /// <summary>Bytes from one row to the next.</summary>
    public int Stride { get; }

    public int Channels { get; }

    /// <summary>
    /// The pinned, pooled array <see cref="Pixels"/> starts at when the view is of a <see cref="Frame"/>: memory
    /// that stays put and is reused frame after frame, so a GPU can import it instead of copying it.
    /// </summary>
    internal byte[]? PinnedArray { get; init; }

    /// <summary>Bytes the image spans: all rows but the last at full stride, the last only its pixels.</summary>
    public long Span => (long)Stride * (Height - 1) + (long)Width * Channels;

    /// <summary>Throws <see cref="ArgumentException"/> naming the problem: size, channels, stride or buffer length.</summary>
    public void Validate()
    {
        if (Width <= 0 || Height <= 0)
            throw new ArgumentException($"image is {Width}x{Height}: both dimensions must be positive", "image");
        if (Channels != 3)
            throw new ArgumentException($"image has {Channels} channels; preprocessing takes 3-channel BGR24 (convert gray or BGRA first)", "image");
        if (Stride < Width * 3)
            throw new ArgumentException($"image stride {Stride} is less than width*3 = {Width * 3}", "image");
        if (Pixels.Length < Span)
            throw new ArgumentException($"image buffer holds {Pixels.Length} bytes, a {Width}x{Height} BGR24 image with stride {Stride} needs {Span}", "image");
    }

    public static implicit operator ImageView(Frame frame) => new(frame.Pixels, frame.Width, frame.Height, frame.Stride) { PinnedArray = frame.PinnedArray };
}
