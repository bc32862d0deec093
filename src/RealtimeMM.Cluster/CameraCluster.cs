using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;
using StackExchange.Redis;

namespace RealtimeMM.Cluster;

/// <summary>Silos and clients of a camera cluster on Redis: membership and the cameras' registrations live there, so they outlive any silo.</summary>
public static class CameraCluster
{
    /// <summary>Configures a silo of the cluster: Redis membership and grain storage, the cluster id, this silo's endpoints, and the cameras.</summary>
    public static ISiloBuilder UseCameraCluster(this ISiloBuilder silo, CameraClusterOptions cluster, CameraOptions? cameras = null)
    {
        var redis = ConfigurationOptions.Parse(cluster.Redis);
        return silo.UseRedisClustering(o => o.ConfigurationOptions = redis)
            .AddRedisGrainStorage(CameraSiloExtensions.StorageName, o => o.ConfigurationOptions = redis)
            .AddRedisGrainStorage("PubSubStore", o => o.ConfigurationOptions = redis)
            .Configure<ClusterOptions>(o =>
            {
                o.ClusterId = cluster.ClusterId;
                o.ServiceId = "rtmm-cameras";
            })
            .ConfigureEndpoints(cluster.Address, cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: true)
            // a lost silo is declared dead after two missed probes of two seconds, by one vote: its cameras come back sooner
            .Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(2);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
            })
            .AddCameras(cameras)
            .AddCameraIndexes(cluster.Redis, cluster.ClusterId);
    }

    /// <summary>Starts a client of the cluster (stop the host to disconnect); its grain factory reaches every camera.</summary>
    public static async Task<IHost> ConnectAsync(CameraClusterOptions cluster, CancellationToken cancellationToken = default)
    {
        CheckRedis(cluster.Redis);
        var redis = ConfigurationOptions.Parse(cluster.Redis);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client => client.UseRedisClustering(o => o.ConfigurationOptions = redis)
            .AddCameraAlerts()
            .Configure<ClusterOptions>(o =>
            {
                o.ClusterId = cluster.ClusterId;
                o.ServiceId = "rtmm-cameras";
            }));
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken);
            return host;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    /// <summary>The client's grain factory.</summary>
    public static IClusterClient Client(this IHost host) => host.Services.GetRequiredService<IClusterClient>();

    /// <summary>
    /// Claims the cluster for one model bundle: the first silo writes its model's name and fingerprint
    /// to Redis (key <c>rtmm-cameras:CLUSTER:model</c>); a silo with another bundle is refused with both
    /// names, since cameras move between silos and their answers and alerts must not change with the
    /// silo. To change a cluster's model, stop its silos and delete the key.
    /// </summary>
    public static void ClaimModel(CameraClusterOptions cluster, string model, string fingerprint)
    {
        CheckRedis(cluster.Redis);
        using var connection = ConnectionMultiplexer.Connect(cluster.Redis);
        var db = connection.GetDatabase();
        string key = $"rtmm-cameras:{cluster.ClusterId}:model", mine = $"{model} {fingerprint}";
        if (db.StringSet(key, mine, when: When.NotExists))
            return;
        string theirs = db.StringGet(key).ToString();
        if (theirs != mine)
        {
            int space = theirs.LastIndexOf(' ');
            string name = space > 0 ? theirs[..space] : theirs, print = space > 0 ? theirs[(space + 1)..] : "?";
            throw new CameraClusterException($"cluster '{cluster.ClusterId}' runs model '{name}' ({print}), this silo has '{model}' ({fingerprint}): refused (to change the cluster's model, stop its silos and delete the Redis key {key})");
        }
    }

    /// <summary>Throws <see cref="CameraClusterException"/> naming <paramref name="address"/> when no Redis answers there within two seconds.</summary>
    public static void CheckRedis(string address)
    {
        ConfigurationOptions options;
        try
        {
            options = ConfigurationOptions.Parse(address);
        }
        catch (ArgumentException e)
        {
            throw new CameraClusterException($"redis {address}: not an address ({e.Message})");
        }
        options.ConnectTimeout = 2000;
        options.AbortOnConnectFail = true;
        options.ConnectRetry = 1;
        try
        {
            using var connection = ConnectionMultiplexer.Connect(options);
            connection.GetDatabase().Ping();
        }
        catch (RedisException e)
        {
            string why = e.Message.Split('\n')[0].Trim();
            int end = why.IndexOf(". ", StringComparison.Ordinal);
            throw new CameraClusterException($"redis {address}: unreachable ({(end > 0 ? why[..end] : why)})");
        }
    }
}
