namespace RealtimeMM.Cluster;

/// <summary>An alert of a camera raised (the thing came into view) or cleared (it left), as subscribers anywhere in the cluster receive it (<see cref="CameraAlerts"/>).</summary>
[GenerateSerializer, Immutable]
public sealed record CameraAlert
{
    [Id(0)] public required string Camera { get; init; }

    /// <summary>What the alert watches for ("a red car").</summary>
    [Id(1)] public required string Text { get; init; }

    /// <summary>True: raised; false: cleared.</summary>
    [Id(2)] public bool Raised { get; init; }

    /// <summary>The probability of "yes" on the frame that decided it.</summary>
    [Id(3)] public float Score { get; init; }

    [Id(4)] public DateTimeOffset At { get; init; }

    /// <summary>The silo the camera ran on.</summary>
    [Id(5)] public required string Silo { get; init; }
}
