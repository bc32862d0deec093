using RealtimeMM.Gpu;

namespace RealtimeMM.Cluster;

/// <summary>How a silo runs its cameras: the model bundle and device each camera's session uses.</summary>
public sealed record CameraOptions
{
    /// <summary>The model bundle folder; null: the bundled default.</summary>
    public string? ModelFolder { get; init; }

    public DevicePreference Device { get; init; } = DevicePreference.Auto;

    /// <summary>Inference threads per camera; null: the session's default.</summary>
    public int? InferenceThreads { get; init; }

    /// <summary>How long a question waits for the camera's next frame before it fails.</summary>
    public TimeSpan AskTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Which frames go into a camera's index (with a <see cref="CameraIndexStore"/>); null: <see cref="RealtimeMM.Search.FrameSampler"/>'s defaults.</summary>
    public RealtimeMM.Search.FrameSampler? IndexSampling { get; init; }

    /// <summary>How often the camera directory calls every registered camera, which starts again any camera whose silo was lost.</summary>
    public TimeSpan ReviveInterval { get; init; } = TimeSpan.FromSeconds(2);
}
