namespace RealtimeMM.Cluster;

/// <summary>How a camera is doing, as its grain reports it.</summary>
[GenerateSerializer, Immutable]
public sealed record CameraHealth
{
    [Id(0)] public required string Camera { get; init; }
    [Id(1)] public required string Source { get; init; }

    /// <summary>starting, running, reconnecting, ended (a recorded source that does not loop), failed, or stopped.</summary>
    [Id(2)] public required string State { get; init; }

    /// <summary>Frames read from the source, and frames the model processed (latest wins: the rest were dropped).</summary>
    [Id(3)] public long FramesCaptured { get; init; }
    [Id(4)] public long FramesProcessed { get; init; }

    /// <summary>Frames processed per second over the last few seconds.</summary>
    [Id(5)] public double ProcessedPerSecond { get; init; }

    /// <summary>The last problem with the source (cannot open, dropped), or null.</summary>
    [Id(6)] public string? LastError { get; init; }

    /// <summary>Reconnects after a drop or a failed open.</summary>
    [Id(7)] public int Reconnects { get; init; }

    /// <summary>The silo the camera runs on (its capture and model are there).</summary>
    [Id(8)] public required string Silo { get; init; }

    /// <summary>Frames the camera's index holds here (0: no index), and of them those Redis has for good.</summary>
    [Id(9)] public long IndexFrames { get; init; }
    [Id(10)] public long IndexFlushed { get; init; }

    /// <summary>Frames left out of the index because Redis was away longer than an hour's frames could wait.</summary>
    [Id(11)] public long IndexDropped { get; init; }

    /// <summary>Why the last write of the index to Redis failed (null when the last one worked).</summary>
    [Id(12)] public string? IndexError { get; init; }
}
