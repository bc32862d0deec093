using RealtimeMM.Fusion;

namespace RealtimeMM.Answering;

/// <summary>
/// One frame's encoding: its image tokens ready for every question, and its embedding.
/// Disposing it is optional and gives its image buffers (a few hundred KB, on the large-object
/// heap) back to the answerer for the next frame, so a stream that disposes each frame's encoding
/// once answered allocates next to nothing per frame and never makes the garbage collector run a
/// full collection for them. A disposed encoding cannot be asked about
/// (<see cref="ObjectDisposedException"/>); its <see cref="Embedding"/> stays readable.
/// </summary>
public sealed class FrameEncoding : IDisposable
{
    FusionEngine? owner;
    readonly List<(object Key, object Value)> attached = [];

    internal FrameEncoding(FusionEngine owner, int width, int height, FusionReference.ImageKeys? keys, float[]? tokens, float[] embedding, double preprocessMs, double visionMs, double keysMs, double? inWorld, bool outOfWorld)
    {
        InWorld = inWorld;
        OutOfWorld = outOfWorld;
        this.owner = owner;
        KeysMs = keysMs;
        Tokens = tokens;
        Width = width;
        Height = height;
        Keys = keys;
        Embedding = embedding;
        PreprocessMs = preprocessMs;
        VisionMs = visionMs;
    }

    /// <summary>Whether <see cref="Dispose"/> has run.</summary>
    public bool IsDisposed => Volatile.Read(ref owner) is null;

    internal void ThrowIfDisposed()
    {
        if (IsDisposed)
            throw new ObjectDisposedException(nameof(FrameEncoding), "the frame's encoding was disposed (its image buffers went back to the answerer): encode the frame again to ask about it");
    }

    /// <summary>Gives the image buffers back to the answerer that made them, for its next frames: call it once no question about this frame is being answered (idempotent; any thread).</summary>
    public void Dispose()
    {
        var from = Interlocked.Exchange(ref owner, null);
        if (from is null)
            return;
        from.Recycle(Keys, Tokens);
        Keys = null;
        Tokens = null;
        lock (attached)
        {
            foreach (var (_, value) in attached)
                (value as IDisposable)?.Dispose();
            attached.Clear();
        }
    }

    /// <summary>
    /// Keeps <paramref name="value"/> with this frame under <paramref name="key"/> (an answerer's own
    /// per-frame data, <see cref="IFrameReader"/>); disposed with the encoding when it is disposable.
    /// </summary>
    public void Attach(object key, object value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        ThrowIfDisposed();
        lock (attached)
            attached.Add((key, value));
    }

    /// <summary>What was attached under <paramref name="key"/>, or null.</summary>
    public T? Attached<T>(object key) where T : class
    {
        lock (attached)
            return attached.FirstOrDefault(a => ReferenceEquals(a.Key, key)).Value as T;
    }

    /// <summary>Milliseconds other answerers spent reading the frame (<see cref="IFrameReader"/>), by name.</summary>
    public Dictionary<string, double> ReaderMs { get; } = [];

    public int Width { get; }
    public int Height { get; }
    internal FusionReference.ImageKeys? Keys { get; set; }

    /// <summary>The raw image tokens, kept for the Vulkan fusion.</summary>
    internal float[]? Tokens { get; private set; }

    /// <summary>The L2-normalised image embedding (for text search).</summary>
    public float[] Embedding { get; }

    /// <summary>How much the frame looks like the scenes the model knows (<see cref="InWorldModel.Score"/>), 0..1; null when the bundle has no in-world model.</summary>
    public double? InWorld { get; }

    /// <summary>The frame is unlike the scenes the model knows (in-world score below the bundle's threshold): questions about it are not answered by the scene model.</summary>
    public bool OutOfWorld { get; }

    public double PreprocessMs { get; }

    /// <summary>The vision encoder (ONNX Runtime).</summary>
    public double VisionMs { get; }

    /// <summary>The frame's share of the fusion: the image tokens' keys and values for every layer but the last, which attends over the tokens themselves (CPU path).</summary>
    public double KeysMs { get; }

    /// <summary>The frame's timings as an answer reports them (ms, rounded).</summary>
    internal Dictionary<string, double> Timings()
    {
        var t = new Dictionary<string, double> { ["preprocess"] = Math.Round(PreprocessMs, 3), ["vision"] = Math.Round(VisionMs, 3), ["keys"] = Math.Round(KeysMs, 3) };
        foreach (var (name, ms) in ReaderMs)
            t[name] = Math.Round(ms, 3);
        return t;
    }
}
