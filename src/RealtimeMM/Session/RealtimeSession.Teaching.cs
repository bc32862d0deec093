using Microsoft.Extensions.Logging;
using RealtimeMM.Answering;
using RealtimeMM.Features;
using RealtimeMM.Frames;
using RealtimeMM.Search;
using RealtimeMM.Teaching;

namespace RealtimeMM.Session;

/// <summary>Teaching by example in a session (RealtimeSessionOptions.VocabularyPath or Teaching).</summary>
public sealed partial class RealtimeSession
{
    readonly TaughtAnswerer? taught;

    static TaughtAnswerer? OpenTaught(QuestionAnswerer answerer, RealtimeSessionOptions options)
    {
        if (options.VocabularyPath is null && !options.Teaching)
            return null;
        var features = options.Features ?? new ImageFeatureOptions { Device = options.Device, Threads = options.InferenceThreads, Spinning = false };
        var taught = TaughtAnswerer.Open(options.VocabularyPath, answerer.Bundle.Manifest.World, features, answerer.VulkanDevice,
            warn: m => options.Logger.LogWarning("{Message}", m));
        foreach (var d in taught.Vocabulary.Dropped)
            options.Logger.LogWarning("RealtimeMM: vocabulary {Path}: dropped {Dropped}; the damaged file is kept as .damaged at the next change", options.VocabularyPath, d);
        answerer.AddAnswerer(taught);
        return taught;
    }

    /// <summary>The frame index recorder of <see cref="RealtimeSessionOptions.IndexPath"/> or <see cref="RealtimeSessionOptions.IndexWriter"/> (null: none); with taught names, their scores are recorded beside an index file for text search.</summary>
    static FrameIndexRecorder? OpenIndex(QuestionAnswerer answerer, RealtimeSessionOptions options, TaughtAnswerer? taught)
    {
        string source = $"RealtimeSession ({Environment.ProcessPath})";
        if (options.IndexPath is not null && options.IndexWriter is not null)
            throw new ArgumentException("set IndexPath or IndexWriter, not both", nameof(options));
        FrameIndexRecorder index;
        if (options.IndexWriter is { } open)
        {
            var writer = open(FrameIndexHeader.For(answerer.Bundle, source)) ?? throw new ArgumentException("IndexWriter returned null", nameof(options));
            index = new FrameIndexRecorder(writer, writer.Header.Source, options.IndexSampling, renumber: true);
            return index; // taught-name scores are kept beside index files only
        }
        if (options.IndexPath is not { } path)
            return null;
        index = new FrameIndexRecorder(path, answerer.Bundle, source, options.IndexSampling, renumber: true);
        try
        {
            index.Taught = taught;
            return index;
        }
        catch
        {
            index.Dispose();
            throw;
        }
    }

    /// <summary>The names taught by example and their examples; null when teaching is off.</summary>
    public TaughtVocabulary? Vocabulary => taught?.Vocabulary;

    /// <summary>
    /// Teaches <paramref name="name"/> from the thing in <paramref name="box"/> of a frame (BGR24; any
    /// thread): questions that name it are answered from its examples from the next frame on, and the
    /// vocabulary file is written. With <paramref name="negative"/>, the box shows what the name is not.
    /// Throws <see cref="ArgumentException"/> naming the problem (an empty, zero-area or out-of-frame
    /// box; an empty name, one over 64 characters or with other characters than letters, digits,
    /// spaces, hyphens and apostrophes), <see cref="InvalidOperationException"/> when teaching is off.
    /// A name that is also a class of the model's world is taught: its examples answer for it.
    /// </summary>
    public TaughtExample Teach(string name, ReadOnlySpan<byte> bgr24, int width, int height, int stride, BoxF box, bool negative = false, string source = "")
    {
        ThrowIfDisposed();
        return Taught.Teach(name, new ImageView(bgr24, width, height, stride), box, negative, source);
    }

    /// <summary>Teaches from the newest processed frame (the one <see cref="RenderOverlay"/> shows), with the box in its pixels.</summary>
    public TaughtExample TeachFromLatest(string name, BoxF box, bool negative = false)
    {
        ThrowIfDisposed();
        Frame frame;
        lock (latestGate)
            frame = latest?.Clone(latest.Index, latest.Timestamp) ?? throw new InvalidOperationException("no frame has been processed yet to teach from");
        using (frame)
            return Taught.Teach(name, frame, box, negative, $"frame {frame.Index}");
    }

    /// <summary>Forgets a taught name; false when it was never taught.</summary>
    public bool Forget(string name) => Taught.Vocabulary.Forget(name);

    /// <summary>Renames a taught name (<see cref="ArgumentException"/> when it was not taught or the new name is).</summary>
    public void Rename(string name, string newName) => Taught.Vocabulary.Rename(name, newName);

    TaughtAnswerer Taught => taught ?? throw new InvalidOperationException("teaching is off in this session: set RealtimeSessionOptions.VocabularyPath (or Teaching = true)");
}
