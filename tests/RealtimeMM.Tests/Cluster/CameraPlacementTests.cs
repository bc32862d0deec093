using Orleans.Hosting;
using Orleans.TestingHost;
using RealtimeMM.Cluster;
using RealtimeMM.Gpu;

namespace RealtimeMM.Tests.Cluster;

/// <summary>Cameras spread over the silos by <see cref="CameraPlacement"/> (Orleans' in-process test cluster, two silos).</summary>
[NonParallelizable]
public class CameraPlacementTests : TestBase
{
    TestCluster cluster = null!;

    [OneTimeSetUp]
    public async Task StartCluster() => cluster = await TestClusters.StartAsync<TestClusters.CameraSilo>(silos: 2);

    [OneTimeTearDown]
    public Task StopCluster() => TestClusters.StopAsync(cluster);

    [Test]
    public async Task SixCameras_SplitEvenlyOverTwoSilos_ThenOneMore_GoesWhereFewerRun()
    {
        // six cameras started one after another, as `rtmm cluster add` does: 3/3 (random placement splits them so a third of the time)
        string clip = CameraGrainTests.StillClipIn(Path.Combine(Temp, "still"), 5, 2, out _);
        var ids = Enumerable.Range(0, 6).Select(i => $"placed{i}").ToArray();
        foreach (var id in ids)
            await cluster.Client.GetGrain<ICameraGrain>(id).Start(new CameraSpec { Source = clip, Loop = true });
        var healths = await Task.WhenAll(ids.Select(id => cluster.Client.GetGrain<ICameraGrain>(id).Health()));
        var split = healths.GroupBy(h => h.Silo).ToDictionary(g => g.Key, g => g.Count());
        TestContext.Out.WriteLine($"six cameras: {string.Join(", ", split.Select(kv => $"{kv.Value} on {kv.Key}"))}");
        Assert.That(split.Values.Order(), Is.EqualTo(new[] { 3, 3 }));

        // one removed, then a seventh: it goes to the silo that now runs two (each camera counted once, however it is known)
        string lighter = healths[0].Silo;
        await cluster.Client.GetGrain<ICameraGrain>(ids[0]).Remove();
        await Task.Delay(TimeSpan.FromSeconds(6)); // past the placement's own memory of recent placements
        var seventh = cluster.Client.GetGrain<ICameraGrain>("placed6");
        await seventh.Start(new CameraSpec { Source = clip, Loop = true });
        var h7 = await seventh.Health();
        TestContext.Out.WriteLine($"after removing one on {lighter}: the seventh camera runs on {h7.Silo}");
        Assert.That(h7.Silo, Is.EqualTo(lighter));
        foreach (var id in ids.Skip(1).Append("placed6"))
            await cluster.Client.GetGrain<ICameraGrain>(id).Remove();
    }
}
