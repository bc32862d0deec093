using Orleans.Hosting;
using Orleans.TestingHost;
using RealtimeMM.Cluster;

namespace RealtimeMM.Tests.Cluster;

/// <summary>Orleans' in-process test cluster with one silo configured by the given ISiloConfigurator, and a client that receives camera alerts.</summary>
static class TestClusters
{
    sealed class AlertClient : IClientBuilderConfigurator
    {
        public void Configure(Microsoft.Extensions.Configuration.IConfiguration configuration, IClientBuilder client) => client.AddCameraAlerts();
    }

    public static async Task<TestCluster> StartAsync<TSilo>() where TSilo : ISiloConfigurator, new()
    {
        var builder = new TestClusterBuilder(1);
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
