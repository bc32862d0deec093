using Orleans.Hosting;
using Orleans.TestingHost;
using RealtimeMM.Cluster;
using RealtimeMM.Gpu;
using RealtimeMM.Scenes;
using RealtimeMM.Search;

namespace RealtimeMM.Tests.Cluster;

/// <summary>
/// Camera indexes in Redis (a loopback redis-server of the test's own, with an append-only file so it can
/// be killed and started again) under Orleans' in-process test cluster: search across cameras, an index
/// that outlives its camera's activation, Redis lost mid-run, an index of another model set aside.
/// </summary>
[NonParallelizable]
public class CameraIndexTests : TestBase
{
    static LoopbackRedis? redis;
    TestCluster cluster = null!;
    string folder = "";

    sealed class Silo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo) =>
            silo.AddMemoryGrainStorage(CameraSiloExtensions.StorageName).AddMemoryGrainStorage("PubSubStore")
                .AddCameras(new CameraOptions
                {
                    Device = DevicePreference.Cpu, InferenceThreads = 1, AskTimeout = TimeSpan.FromSeconds(20),
                    IndexSampling = new FrameSampler { Interval = 0.4, StaticInterval = 0.4 }, // a still scene stores a frame every 0.4 s too
                })
                .AddCameraIndexes(redis!.Address, "test");
    }

    [OneTimeSetUp]
    public async Task StartCluster()
    {
        folder = Path.Combine(Path.GetTempPath(), $"rtmm-redis-{Guid.NewGuid():N}");
        redis = new LoopbackRedis(folder);
        cluster = await TestClusters.StartAsync<Silo>();
    }

    [OneTimeTearDown]
    public async Task StopCluster()
    {
        await TestClusters.StopAsync(cluster);
        redis?.Dispose();
        if (Directory.Exists(folder))
            Directory.Delete(folder, recursive: true);
    }

    static CameraIndexStore Store() => new(redis!.Address, "test");

    async Task<CameraHealth> WaitFor(ICameraGrain camera, Func<CameraHealth, bool> done, double seconds)
    {
        var health = await camera.Health();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!done(health) && clock.Elapsed.TotalSeconds < seconds)
        {
            await Task.Delay(200);
            health = await camera.Health();
        }
        return health;
    }

    [Test]
    public async Task Search_AcrossCameras_HitsNameTheCameraThatShowsIt()
    {
        // two cameras: one with a car in view, one with none (generated scenes, the truth known); the car among few
        // things, since one pooled embedding of a busy frame blurs each of them (the search's known limit, docs/search.md)
        int withCar = Enumerable.Range(300, 100).First(i => SceneGenerator.Render(i, 0) is var s && s.Objects.Length <= 3 && s.Objects.Any(o => o.Class == "car") && !s.PartlyVisibleClasses.Contains("car"));
        var carScene = SceneGenerator.Render(withCar, 0);
        var car = carScene.Objects.First(o => o.Class == "car");
        int withoutCar = Enumerable.Range(400, 50).First(i => SceneGenerator.Render(i, 0) is var s && s.Objects.All(o => o.Class != "car") && !s.PartlyVisibleClasses.Contains("car"));
        var street = cluster.GrainFactory.GetGrain<ICameraGrain>("street");
        var yard = cluster.GrainFactory.GetGrain<ICameraGrain>("yard");
        await street.Start(new CameraSpec { Source = CameraGrainTests.StillClipIn(Path.Combine(Temp, "street"), withCar, 3, out _), Loop = true });
        await yard.Start(new CameraSpec { Source = CameraGrainTests.StillClipIn(Path.Combine(Temp, "yard"), withoutCar, 3, out _), Loop = true });
        await WaitFor(street, h => h.IndexFrames >= 3, 30);
        await WaitFor(yard, h => h.IndexFrames >= 3, 30);

        string text = $"{SceneWorld.Article(car.Color)} {car.Color} car";
        var found = await CameraSearch.SearchAllAsync(cluster.GrainFactory, text, new CameraSearchOptions { Top = 3, MinGapSeconds = 0 });
        foreach (var r in found.Cameras)
            TestContext.Out.WriteLine($"{r.Camera}: {r.Hits.Count} hits, best {r.Best:F3} (threshold {r.Threshold:F3}) {r.Problem}");
        foreach (var h in found.Hits)
            TestContext.Out.WriteLine($"  {h.Camera} frame {h.Frame} at {h.At:HH:mm:ss.fff} ({h.Score:F3})");
        Assert.That(found.Hits, Has.Count.EqualTo(3), "the top 3 of all cameras");
        Assert.That(found.Hits.Select(h => h.Camera), Is.All.EqualTo("street"), $"only the camera that shows {text}");
        Assert.That(found.Hits.Select(h => h.Score), Is.Ordered.Descending);
        Assert.That(found.Hits.Select(h => h.At), Is.All.InRange(DateTimeOffset.UtcNow.AddMinutes(-2), DateTimeOffset.UtcNow), "wall-clock times");
        var yardResult = found.Cameras.Single(r => r.Camera == "yard");
        Assert.That(yardResult.Hits, Is.Empty);
        Assert.That(yardResult.Problem, Does.StartWith($"no frame looks like '{text}'"));

        // a time range that holds no frame, and a word the model does not know
        var old = await CameraSearch.SearchAllAsync(cluster.GrainFactory, text, new CameraSearchOptions { To = DateTimeOffset.UtcNow.AddHours(-1) });
        Assert.That(old.Hits, Is.Empty);
        Assert.That(old.Cameras.Where(r => r.Camera is "street" or "yard").Select(r => r.Problem), Is.All.EqualTo("no frame in the time range"));
        var unknown = await CameraSearch.SearchAllAsync(cluster.GrainFactory, "a purple zeppelin");
        Assert.That(unknown.Cameras.Single(r => r.Camera == "street").Problem, Does.Contain("the model does not know").And.Contain("'zeppelin'"));
        await street.Remove();
        await yard.Remove();
        using var store = Store();
        Assert.That(store.Read("street", 128), Is.Empty, "a removed camera's index goes with it");
    }

    [Test]
    public async Task Index_OutlivesTheCamerasActivation_FrameNumbersCarryOn()
    {
        var dock = cluster.GrainFactory.GetGrain<ICameraGrain>("dock");
        var spec = new CameraSpec { Source = CameraGrainTests.StillClipIn(Path.Combine(Temp, "dock"), 5, 3, out _), Loop = true };
        await dock.Start(spec);
        var before = await WaitFor(dock, h => h.IndexFlushed >= 5, 30);
        Assert.That(before.IndexFlushed, Is.GreaterThanOrEqualTo(5), before.ToString());
        await dock.Start(spec); // stops the camera (what waits is written) and starts it again: a new pipeline reads its index from Redis
        using var store = Store();
        var stored = store.Read("dock", 128);
        var after = await dock.Health();
        TestContext.Out.WriteLine($"before the restart: {before.IndexFrames} indexed, {before.IndexFlushed} flushed; in Redis after: {stored.Count}; the new pipeline holds {after.IndexFrames}");
        Assert.That(stored, Has.Count.GreaterThanOrEqualTo(before.IndexFlushed), "every flushed frame is in Redis");
        Assert.That(after.IndexFrames, Is.GreaterThanOrEqualTo(stored.Count), "the new pipeline searches what Redis holds");
        await WaitFor(dock, h => h.IndexFlushed >= stored.Count + 3, 30);
        var all = store.Read("dock", 128);
        Assert.That(all.Count, Is.GreaterThanOrEqualTo(stored.Count + 3));
        Assert.That(all.Select(f => f.FrameIndex), Is.Ordered.Ascending.And.Unique, "frame numbers carry on after the restart");
        Assert.That(all.Select(f => f.Seconds), Is.Ordered.Ascending);
        Assert.That(all.Take(stored.Count).Select(f => f.FrameIndex), Is.EqualTo(stored.Select(f => f.FrameIndex)), "nothing before the restart changed");
        await dock.Remove();
    }

    [Test]
    public async Task RedisLostMidRun_TheCameraGoesOn_TheIndexCatchesUpWhenRedisIsBack()
    {
        var lot = cluster.GrainFactory.GetGrain<ICameraGrain>("lot");
        await lot.Start(new CameraSpec { Source = CameraGrainTests.StillClipIn(Path.Combine(Temp, "lot"), 7, 3, out _), Loop = true });
        await WaitFor(lot, h => h.IndexFlushed >= 3, 30);
        redis!.Kill();
        try
        {
            var away = await WaitFor(lot, h => h.IndexError is not null && h.IndexFrames >= h.IndexFlushed + 5, 30);
            TestContext.Out.WriteLine($"Redis away: {away.IndexFrames} indexed, {away.IndexFlushed} flushed, error: {away.IndexError}");
            Assert.That(away.IndexError, Is.Not.Null, "the health says why the index is not written");
            Assert.That(away.IndexFrames, Is.GreaterThan(away.IndexFlushed), "frames wait in memory");
            var answer = await lot.Ask("is there a car");
            Assert.That(answer.Text, Is.AnyOf("yes", "no"), "the camera answers without Redis");
        }
        finally
        {
            redis.Start(); // same port, same append-only file
        }
        var back = await WaitFor(lot, h => h.IndexError is null && h.IndexFlushed >= h.IndexFrames - 16, 30);
        TestContext.Out.WriteLine($"Redis back: {back.IndexFrames} indexed, {back.IndexFlushed} flushed, dropped {back.IndexDropped}");
        Assert.That(back.IndexError, Is.Null);
        Assert.That(back.IndexDropped, Is.Zero);
        using var store = Store();
        var stored = store.Read("lot", 128);
        Assert.That(stored.Count, Is.GreaterThanOrEqualTo(back.IndexFlushed), "what waited was written when Redis came back");
        Assert.That(stored.Select(f => f.FrameIndex), Is.Ordered.Ascending.And.Unique);
        await lot.Remove();
    }

    [Test]
    public void IndexOfAnotherModel_IsSetAside_NotMixed()
    {
        using var store = Store();
        var header = new FrameIndexHeader { Model = "old-model", Fingerprint = "0123", Dimensions = 4 };
        using (var old = store.Open("gate", header))
        {
            old.Append(0, 0, [1, 0, 0, 0]);
            old.Append(1, 0, [0, 1, 0, 0]);
        }
        Assert.That(store.Read("gate", 4), Has.Count.EqualTo(2));
        using (var same = store.Open("gate", header with { Created = "later" }))
            Assert.That((same.Count, same.LastFrame, same.Replaced), Is.EqualTo((2L, 1L, (string?)null)), "the same model continues the index");
        using var fresh = store.Open("gate", new FrameIndexHeader { Model = "new-model", Fingerprint = "4567", Dimensions = 4 });
        TestContext.Out.WriteLine(fresh.Replaced);
        Assert.That(fresh.Replaced, Does.Contain("'old-model' (0123)").And.Contain("'new-model' (4567)").And.Contain(store.KeyFor("gate") + ":model-0123"));
        Assert.That((fresh.Count, fresh.LastFrame), Is.EqualTo((0L, -1L)));
        Assert.That(store.Read("gate:model-0123", 4), Has.Count.EqualTo(2), "the old index is kept under its model's fingerprint");
    }
}
