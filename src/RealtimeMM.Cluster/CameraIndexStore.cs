using RealtimeMM.Search;
using StackExchange.Redis;

namespace RealtimeMM.Cluster;

/// <summary>
/// Where a silo keeps its cameras' frame indexes: Redis (the cluster runs it anyway), so an index
/// outlives the silo that wrote it and a camera that moves finds its history where it lands. An hour
/// of one camera at the default sampling (two frames a second at most, 536 bytes a frame with the
/// default model) is about 4 MB. Register one per silo (<see cref="CameraSiloExtensions.AddCameraIndexes"/>).
/// </summary>
public sealed class CameraIndexStore : IDisposable
{
    readonly Lazy<ConnectionMultiplexer> connection;

    /// <param name="redis">The Redis address (host:port).</param>
    /// <param name="clusterId">The cluster's id: each cluster's indexes live under their own keys.</param>
    /// <param name="retention">How long a frame stays searchable (default an hour).</param>
    public CameraIndexStore(string redis, string clusterId, TimeSpan? retention = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(redis);
        ArgumentException.ThrowIfNullOrWhiteSpace(clusterId);
        Retention = retention ?? TimeSpan.FromHours(1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Retention, TimeSpan.Zero, nameof(retention));
        Redis = redis;
        ClusterId = clusterId;
        connection = new(() =>
        {
            var options = ConfigurationOptions.Parse(redis);
            options.AbortOnConnectFail = false; // a Redis that goes away is reconnected to; the cameras go on meanwhile
            return ConnectionMultiplexer.Connect(options);
        });
    }

    public string Redis { get; }
    public string ClusterId { get; }
    public TimeSpan Retention { get; }

    /// <summary>The Redis key of <paramref name="camera"/>'s index (a stream; its header under KEY:header).</summary>
    public string KeyFor(string camera) => $"rtmm-cameras:{ClusterId}:index:{camera}";

    internal CameraIndex Open(string camera, FrameIndexHeader header) => CameraIndex.Open(connection.Value.GetDatabase(), KeyFor(camera), header, Retention);

    /// <summary>Every frame Redis holds of <paramref name="camera"/>'s index, oldest first (times in Unix seconds).</summary>
    public IReadOnlyList<IndexedFrame> Read(string camera, int dimensions) =>
        CameraIndex.Read(connection.Value.GetDatabase(), KeyFor(camera), dimensions).ToList();

    /// <summary>Forgets <paramref name="camera"/>'s index (when the camera is removed).</summary>
    public async Task DeleteAsync(string camera)
    {
        var db = connection.Value.GetDatabase();
        await db.KeyDeleteAsync([KeyFor(camera), KeyFor(camera) + ":header"]);
    }

    public void Dispose()
    {
        if (connection.IsValueCreated)
            connection.Value.Dispose();
    }
}
