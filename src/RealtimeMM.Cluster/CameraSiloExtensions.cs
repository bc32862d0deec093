using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;

namespace RealtimeMM.Cluster;

/// <summary>Adds RealtimeMM's cameras to a silo.</summary>
public static class CameraSiloExtensions
{
    /// <summary>
    /// Lets the silo run camera grains with <paramref name="options"/>, and adds the alert stream
    /// (<see cref="CameraAlerts"/>). The silo also needs grain storage providers named
    /// <see cref="CameraGrain.StorageName"/> ("cameras") for the registrations and "PubSubStore" for
    /// the stream's subscriptions (memory storage for tests; Redis in a cluster).
    /// </summary>
    public static ISiloBuilder AddCameras(this ISiloBuilder builder, CameraOptions? options = null)
    {
        builder.Services.AddSingleton(options ?? new CameraOptions());
        builder.AddPlacementDirector<CameraPlacement, CameraPlacementDirector>();
        builder.AddCameraAlerts();
        // the directory starts the registered cameras (from storage); every silo keeps it active, so it
        // comes back on a silo that is up when the one it ran on is lost
        builder.Services.AddHostedService<CameraDirectoryKeeper>();
        return builder;
    }

    /// <summary>
    /// Keeps every camera's frame index in Redis at <paramref name="redis"/> under the cluster's keys
    /// (<see cref="CameraIndexStore"/>): searchable with <see cref="CameraSearch"/>, and found again
    /// when a camera moves to another silo. Without it cameras keep no index.
    /// </summary>
    public static ISiloBuilder AddCameraIndexes(this ISiloBuilder builder, string redis, string clusterId, TimeSpan? retention = null)
    {
        builder.Services.AddSingleton(new CameraIndexStore(redis, clusterId, retention));
        return builder;
    }

    /// <summary>The name of the grain storage provider that keeps camera registrations.</summary>
    public const string StorageName = CameraGrain.StorageName;
}
