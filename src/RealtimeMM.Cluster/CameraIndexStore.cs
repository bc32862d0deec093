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

    /// <summary>
    /// Writes <paramref name="frames"/> (times in Unix seconds) as <paramref name="camera"/>'s index, replacing what it held:
    /// for moving an index in, and for benchmarks that need an hour of one at once. The camera must not be running.
    /// </summary>
    public void Fill(string camera, FrameIndexHeader header, IReadOnlyList<IndexedFrame> frames)
    {
        ArgumentNullException.ThrowIfNull(header);
        var db = connection.Value.GetDatabase();
        string key = KeyFor(camera);
        db.KeyDelete([key, key + ":header"]);
        db.StringSet(key + ":header", System.Text.Json.JsonSerializer.Serialize(header));
        var record = new byte[FrameIndexFormat.RecordSize(header.Dimensions)];
        foreach (var chunk in frames.Chunk(512))
        {
            var batch = db.CreateBatch();
            var adds = new List<Task>();
            foreach (var f in chunk)
            {
                if (f.Embedding.Length != header.Dimensions)
                    throw new ArgumentException($"frame {f.FrameIndex} has {f.Embedding.Length} values, the header says {header.Dimensions}", nameof(frames));
                FrameIndexFormat.WriteRecord(record, f.FrameIndex, f.Seconds, f.Embedding);
                adds.Add(batch.StreamAddAsync(key, "r", record.ToArray()));
            }
            batch.Execute();
            Task.WaitAll(adds);
        }
    }

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
