using RealtimeMM.Answering;

namespace RealtimeMM.Cluster;

/// <summary>An answer as it crosses the cluster: what was asked and answered, by which answerer, about which frame of which camera (the pixels and attention stay where the camera runs).</summary>
[GenerateSerializer, Immutable]
public sealed record CameraAnswer
{
    [Id(0)] public required string Camera { get; init; }
    [Id(1)] public required string Question { get; init; }
    [Id(2)] public required string Text { get; init; }
    [Id(3)] public float Confidence { get; init; }
    [Id(4)] public required string Kind { get; init; }
    [Id(5)] public required string Answerer { get; init; }

    /// <summary>Why it could not answer, or null.</summary>
    [Id(6)] public string? Reason { get; init; }

    [Id(7)] public bool NotSure { get; init; }
    [Id(8)] public bool NotInView { get; init; }

    /// <summary>The camera's frame the answer is about (numbered from the camera's start on its silo).</summary>
    [Id(9)] public long? Frame { get; init; }

    /// <summary>From the frame's arrival from the source to the answer, milliseconds (waiting for the model included).</summary>
    [Id(10)] public double? LatencyMs { get; init; }

    /// <summary>When the answer was given.</summary>
    [Id(11)] public DateTimeOffset At { get; init; }

    internal static CameraAnswer From(string camera, Answer a) => new()
    {
        Camera = camera, Question = a.Query, Text = a.Text, Confidence = a.Confidence, Kind = a.Kind, Answerer = a.Answerer,
        Reason = a.Reason, NotSure = a.NotSure, NotInView = a.NotInView, Frame = a.Frame, LatencyMs = a.Latency?.TotalMilliseconds, At = DateTimeOffset.UtcNow,
    };
}

/// <summary>A camera's standing answers since its last batch, oldest first, as subscribers receive them (<see cref="CameraAlerts.SubscribeAnswersAsync"/>).</summary>
[GenerateSerializer, Immutable]
public sealed record CameraAnswerBatch
{
    [Id(0)] public required string Camera { get; init; }
    [Id(1)] public required IReadOnlyList<CameraAnswer> Answers { get; init; }

    /// <summary>Standing answers left out because more waited than a batch holds (a subscriber-less flood is not kept).</summary>
    [Id(2)] public long Skipped { get; init; }
}
