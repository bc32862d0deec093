using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RealtimeMM.Gpu;
using RealtimeMM.Search;

namespace RealtimeMM.Session;

/// <summary>How a <see cref="RealtimeSession"/> is set up.</summary>
public sealed record RealtimeSessionOptions
{
    /// <summary>Model bundle folder; null: the shipped models/rtmm-tiny.</summary>
    public string? ModelFolder { get; init; }

    public DevicePreference Device { get; init; } = DevicePreference.Auto;

    public ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>
    /// Threads the model may use. Default: all cores but one, which stays free for the host's own
    /// loop; the threads also sleep instead of spinning between frames.
    /// </summary>
    public int InferenceThreads { get; init; } = Math.Max(1, Environment.ProcessorCount - 1);

    /// <summary>Standing answers smoothed over frames (0: none, 1: only the newest frame counts).</summary>
    public float Smoothing { get; init; } = 0.4f;

    /// <summary>
    /// Index file (<c>.rtmmidx</c>, what <c>rtmm search</c> reads) that the session appends the image embeddings
    /// of sampled frames to as it processes them (no extra model work: the frame is encoded anyway); null: none.
    /// An existing index of the same model is continued: frame numbers and times carry on after its last frame.
    /// </summary>
    public string? IndexPath { get; init; }

    /// <summary>
    /// Opens the store the session's index goes to instead of a file (the camera cluster's Redis), given the
    /// header for the session's model; the session owns and disposes what it returns. Not with <see cref="IndexPath"/>.
    /// Numbers and times carry on after what the store holds, as for a file.
    /// </summary>
    public Func<FrameIndexHeader, IFrameIndexWriter>? IndexWriter { get; init; }

    /// <summary>Which processed frames the index keeps (its settings are copied); null: <see cref="FrameSampler"/>'s defaults.</summary>
    public FrameSampler? IndexSampling { get; init; }

    /// <summary>
    /// The vocabulary file of names taught by example (<see cref="RealtimeSession.Teach(string, ReadOnlySpan{byte}, int, int, int, Features.BoxF, bool, string)"/>):
    /// reloaded at start, written at every change. Setting it turns teaching on.
    /// </summary>
    public string? VocabularyPath { get; init; }

    /// <summary>Teaching on, with the vocabulary in memory only (when <see cref="VocabularyPath"/> is not set).</summary>
    public bool Teaching { get; init; }

    /// <summary>How the taught answerer's real-image features look at frames (null: <see cref="Features.ImageFeatureOptions"/>' defaults, on the session's device).</summary>
    public Features.ImageFeatureOptions? Features { get; init; }
}
