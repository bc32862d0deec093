using System.Net;

namespace RealtimeMM.Cluster;

/// <summary>Where a cluster of cameras lives: its Redis (membership and grain storage), its id, and this silo's ports.</summary>
public sealed record CameraClusterOptions
{
    /// <summary>Redis "host:port"; default: environment RTMM_REDIS, else 127.0.0.1:6379.</summary>
    public string Redis { get; init; } = Environment.GetEnvironmentVariable("RTMM_REDIS") is { Length: > 0 } r ? r : "127.0.0.1:6379";

    /// <summary>The cluster's id (silos and clients of one cluster share it); default: environment RTMM_CLUSTER, else "rtmm".</summary>
    public string ClusterId { get; init; } = Environment.GetEnvironmentVariable("RTMM_CLUSTER") is { Length: > 0 } c ? c : "rtmm";

    /// <summary>The address other silos and clients reach this silo at.</summary>
    public IPAddress Address { get; init; } = IPAddress.Loopback;

    /// <summary>Silo-to-silo port.</summary>
    public int SiloPort { get; init; } = 11111;

    /// <summary>Client gateway port.</summary>
    public int GatewayPort { get; init; } = 30000;
}
