namespace RealtimeMM.Cluster;

/// <summary>What a camera is: its source, and the questions asked about every frame it sends.</summary>
[GenerateSerializer, Immutable]
public sealed record CameraSpec
{
    /// <summary>A camera (/dev/video0), stream URL, video file, clip folder or image folder (<c>FrameSource.Open</c>).</summary>
    [Id(0)] public required string Source { get; init; }

    /// <summary>A recorded source (file, clip, folder) starts again at its end, as a camera would go on; live sources always reconnect.</summary>
    [Id(1)] public bool Loop { get; init; }

    /// <summary>Questions answered about every frame processed (<see cref="ICameraGrain.Standing"/>).</summary>
    [Id(2)] public IReadOnlyList<string> StandingQuestions { get; init; } = [];

    /// <summary>What to raise an alert for ("a red car"): raised when it comes into view, cleared when it leaves, published to <see cref="CameraAlerts"/>.</summary>
    [Id(3)] public IReadOnlyList<string> Alerts { get; init; } = [];
}
