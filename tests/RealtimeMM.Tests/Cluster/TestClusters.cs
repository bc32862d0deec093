using Orleans.Hosting;
using Orleans.TestingHost;
using RealtimeMM.Cluster;

namespace RealtimeMM.Tests.Cluster;

/// <summary>Orleans' in-process test cluster with silos configured by the given ISiloConfigurator (one unless told), and a client that receives camera alerts.</summary>
static class TestClusters
{
    sealed class AlertClient : IClientBuilderConfigurator
    {
        public void Configure(Microsoft.Extensions.Configuration.IConfiguration configuration, IClientBuilder client) => client.AddCameraAlerts();
    }

    /// <summary>A silo with cameras on the CPU (one inference thread each) and memory storage.</summary>
    internal sealed class CameraSilo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo) =>
            silo.AddMemoryGrainStorage(CameraSiloExtensions.StorageName).AddMemoryGrainStorage("PubSubStore")
                .AddCameras(new CameraOptions { Device = RealtimeMM.Gpu.DevicePreference.Cpu, InferenceThreads = 1, AskTimeout = TimeSpan.FromSeconds(20) });
    }

    public static async Task<TestCluster> StartAsync<TSilo>(short silos = 1) where TSilo : ISiloConfigurator, new()
    {
        var builder = new TestClusterBuilder(silos);
        builder.AddSiloBuilderConfigurator<TSilo>();
        builder.AddClientBuilderConfigurator<AlertClient>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    public static async Task StopAsync(TestCluster? cluster)
    {
        if (cluster is null)
            return;
        await cluster.StopAllSilosAsync();
        await cluster.DisposeAsync();
    }
}
