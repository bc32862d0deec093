using Orleans.Hosting;
using Orleans.TestingHost;
using RealtimeMM.Answering;
using RealtimeMM.Cluster;
using RealtimeMM.Gpu;
using RealtimeMM.Replay;
using RealtimeMM.Scenes;

namespace RealtimeMM.Tests.Cluster;

/// <summary>Camera grains in Orleans' in-process test cluster (one silo, memory storage): issue 25's first slice.</summary>
[NonParallelizable]
public class CameraGrainTests : TestBase
{
    TestCluster cluster = null!;

    [OneTimeSetUp]
    public async Task StartCluster() => cluster = await TestClusters.StartAsync<TestClusters.CameraSilo>();

    [OneTimeTearDown]
    public Task StopCluster() => TestClusters.StopAsync(cluster);

    /// <summary>A clip of one generated scene held still for <paramref name="seconds"/> (at 10 frames a second), and the scene.</summary>
    string StillClip(string name, int seed, double seconds, out SceneFrame scene) => StillClipIn(Path.Combine(Temp, name), seed, seconds, out scene);

    /// <summary>As <see cref="StillClip"/>, into <paramref name="folder"/>.</summary>
    internal static string StillClipIn(string folder, int seed, double seconds, out SceneFrame scene)
    {
        scene = SceneGenerator.Render(seed, 0);
        using var writer = ClipWriter.Create(folder, ClipWriter.DefaultFormat, 10, $"still scene {seed}");
        for (int i = 0; i < seconds * 10; i++)
        {
            var ts = TimeSpan.FromSeconds(i / 10.0);
            using var frame = scene.ToFrame(i, ts);
            writer.Append(frame, scene.ToTruth(i, ts));
        }
        return writer.Complete();
    }

    /// <summary>A clip of 2 s of a scene without a car, 4 s with one, 4 s without (10 frames a second).</summary>
    /// <summary>The seed of the first generated scene from <paramref name="from"/> on with a car wholly in view.</summary>
    internal static int SceneWithACar(int from) =>
        Enumerable.Range(from, 50).First(i => SceneGenerator.Render(i, 0) is var s && s.Objects.Any(o => o.Class == "car") && !s.PartlyVisibleClasses.Contains("car"));

    internal static string CarComesAndGoes(string folder)
    {
        var withCar = SceneGenerator.Render(SceneWithACar(300), 0);
        var withoutCar = Enumerable.Range(0, 50).Select(i => SceneGenerator.Render(400 + i, 0)).First(s => s.Objects.All(o => o.Class != "car") && !s.PartlyVisibleClasses.Contains("car"));
        using var writer = ClipWriter.Create(folder, ClipWriter.DefaultFormat, 10, "a car comes and goes");
        for (int i = 0; i < 100; i++)
        {
            var scene = i is >= 20 and < 60 ? withCar : withoutCar;
            var ts = TimeSpan.FromSeconds(i / 10.0);
            using var frame = scene.ToFrame(i, ts);
            writer.Append(frame, scene.ToTruth(i, ts));
        }
        return writer.Complete();
    }

    [Test]
    public async Task Camera_AnswersAsTheSdkDoesInProcess_StandingQuestionsAndHealth()
    {
        string clip = StillClip("gate", seed: 2, seconds: 4, out var scene);
        var questions = scene.Questions.Take(6).ToList();
        var camera = cluster.GrainFactory.GetGrain<ICameraGrain>("gate");
        var started = await camera.Start(new CameraSpec { Source = clip, Loop = true, StandingQuestions = [questions[0].Question] });
        Assert.That((started.Camera, started.Source), Is.EqualTo(("gate", clip)));

        using var local = QuestionAnswerer.Open(device: DevicePreference.Cpu);
        using var frame = scene.ToFrame(0, TimeSpan.Zero);
        int right = 0;
        foreach (var q in questions)
        {
            var a = await camera.Ask(q.Question);
            var here = local.Ask(frame, q.Question);
            TestContext.Out.WriteLine($"{q.Question}: cluster '{a.Text}' ({a.Confidence:F2}, {a.Answerer}), in process '{here.Text}', truth '{q.Answer}'");
            Assert.That((a.Camera, a.Question, a.Text, a.Answerer), Is.EqualTo(("gate", q.Question, here.Text, here.Answerer)), "the same answer as the SDK in process");
            Assert.That(a.Confidence, Is.EqualTo(here.Confidence).Within(1e-4));
            right += a.Text == q.Answer ? 1 : 0;
        }
        Assert.That(right, Is.GreaterThanOrEqualTo(questions.Count - 1), "the model is right on ~99% of its own scenes");

        await camera.AddStandingQuestion(questions[1].Question);
        await Task.Delay(1500);
        var standing = await camera.Standing();
        Assert.That(standing.Select(s => s.Question), Is.EquivalentTo(new[] { questions[0].Question, questions[1].Question }));
        var health = await camera.Health();
        TestContext.Out.WriteLine($"health: {health}");
        Assert.That(health.State, Is.EqualTo("running"));
        Assert.That(health.FramesProcessed, Is.GreaterThan(0));
        Assert.That(health.FramesCaptured, Is.GreaterThanOrEqualTo(health.FramesProcessed));
        Assert.That(health.ProcessedPerSecond, Is.GreaterThan(0));

        await Task.Delay(4000); // past the clip's end: it loops
        Assert.That((await camera.Health()).Reconnects, Is.GreaterThanOrEqualTo(1), "the recording started again");
        Assert.That((await camera.Ask(questions[0].Question)).Text, Is.EqualTo(local.Ask(frame, questions[0].Question).Text));
        await camera.Remove();
    }

    [Test]
    public async Task WhichCameraSees_AsksEveryCamera_ListsThoseThatDo()
    {
        // two cameras, one with a car in view and one without (generated scenes, the truth known)
        var withCar = Enumerable.Range(0, 50).Select(i => (Seed: 100 + i, Scene: SceneGenerator.Render(100 + i, 0))).First(x => x.Scene.Objects.Any(o => o.Class == "car") && !x.Scene.PartlyVisibleClasses.Contains("car"));
        var withoutCar = Enumerable.Range(0, 50).Select(i => (Seed: 200 + i, Scene: SceneGenerator.Render(200 + i, 0))).First(x => x.Scene.Objects.All(o => o.Class != "car") && !x.Scene.PartlyVisibleClasses.Contains("car"));
        var street = cluster.GrainFactory.GetGrain<ICameraGrain>("street");
        var yard = cluster.GrainFactory.GetGrain<ICameraGrain>("yard");
        await street.Start(new CameraSpec { Source = StillClip("street", withCar.Seed, 3, out _), Loop = true });
        await yard.Start(new CameraSpec { Source = StillClip("yard", withoutCar.Seed, 3, out _), Loop = true });
        var replies = await CameraQuestions.AskAllAsync(cluster.GrainFactory, "which camera sees a car?");
        foreach (var r in replies)
            TestContext.Out.WriteLine($"{r.Camera}: {r.Answer?.Question} -> {r.Answer?.Text} ({r.Answer?.Confidence:F2}) {r.Problem}");
        Assert.That(replies.Select(r => r.Camera), Is.SupersetOf(new[] { "street", "yard" }));
        Assert.That(replies.Where(r => r.Camera is "street" or "yard").Select(r => r.Answer!.Question), Is.All.EqualTo("is there a car"));
        Assert.That(CameraQuestions.Seeing(replies), Is.EqualTo(new[] { "street" }));
        Assert.That(CameraQuestions.Presence("what color is the car"), Is.Null, "other questions are asked as they are");
        await street.Remove();
        await yard.Remove();
    }

    [Test]
    public async Task Alert_RaisedWhenItComesIntoView_ClearedWhenItLeaves_ReachesTheSubscriber()
    {
        string clip = CarComesAndGoes(Path.Combine(Temp, "lot"));
        var received = new System.Collections.Concurrent.ConcurrentQueue<CameraAlert>();
        var subscription = await CameraAlerts.SubscribeAsync(cluster.Client, a =>
        {
            received.Enqueue(a);
            return Task.CompletedTask;
        });
        var camera = cluster.GrainFactory.GetGrain<ICameraGrain>("lot");
        await camera.Start(new CameraSpec { Source = clip, Alerts = ["a car"] });
        for (int i = 0; i < 200 && (await camera.Health()).State != "ended"; i++)
            await Task.Delay(100);
        await Task.Delay(1000); // the last alerts go out on the grain's next tick
        await subscription.UnsubscribeAsync();
        var alerts = received.Where(a => a.Camera == "lot").ToList();
        foreach (var a in alerts)
            TestContext.Out.WriteLine($"{a.At:HH:mm:ss.fff} {a.Camera} '{a.Text}' {(a.Raised ? "raised" : "cleared")} ({a.Score:F2}) on {a.Silo}");
        Assert.That(alerts.Select(a => (a.Text, a.Raised)), Is.EqualTo(new[] { ("a car", true), ("a car", false) }), "raised once when the car came, cleared once when it left");
        Assert.That(alerts[1].At - alerts[0].At, Is.GreaterThan(TimeSpan.FromSeconds(2)).And.LessThan(TimeSpan.FromSeconds(6)), "about the 4 s the car was in view");
        await camera.Remove();
    }

    [Test]
    public async Task StandingAnswers_ReachASubscriber_InOrder_WithTheirFrameAndLatency()
    {
        var received = new System.Collections.Concurrent.ConcurrentQueue<CameraAnswer>();
        var subscription = await CameraAlerts.SubscribeAnswersAsync(cluster.Client, batch =>
        {
            foreach (var a in batch.Answers)
                received.Enqueue(a);
            return Task.CompletedTask;
        });
        string clip = StillClip("porch", seed: 6, seconds: 3, out var scene);
        var questions = scene.Questions.Take(2).Select(q => q.Question).ToList();
        var camera = cluster.GrainFactory.GetGrain<ICameraGrain>("porch");
        await camera.Start(new CameraSpec { Source = clip, Loop = true, StandingQuestions = questions });
        await Task.Delay(3000);
        var health = await camera.Health();
        await camera.Remove();
        await Task.Delay(500);
        await subscription.UnsubscribeAsync();
        var mine = received.Where(a => a.Camera == "porch").ToList();
        TestContext.Out.WriteLine($"{mine.Count} standing answers received; {health.FramesProcessed} frames processed; latency p50 {Percentile(mine, 0.5):F0} ms, max {mine.Max(a => a.LatencyMs):F0} ms");
        foreach (var q in questions)
        {
            var answers = mine.Where(a => a.Question == q).ToList();
            Assert.That(answers.Count, Is.GreaterThanOrEqualTo(health.FramesProcessed - 3), $"'{q}': an answer for every frame processed");
            Assert.That(answers.Select(a => a.Frame), Is.Ordered.Ascending.And.Unique, "in order, one per frame");
            Assert.That(answers.Select(a => a.Text).Distinct().Count(), Is.EqualTo(1), "a still scene: the same answer every frame");
        }
        Assert.That(mine.Select(a => a.LatencyMs), Is.All.GreaterThan(0).And.All.LessThan(5000));
    }

    static double Percentile(IReadOnlyList<CameraAnswer> answers, double p)
    {
        var sorted = answers.Select(a => a.LatencyMs ?? double.NaN).Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[(int)Math.Min(sorted.Length - 1, p * sorted.Length)];
    }

    /// <summary>A clip of one scene with a car, a frame every 2 s (a question waits up to 2 s for its frame).</summary>
    internal static string SlowClipIn(string folder)
    {
        var scene = SceneGenerator.Render(SceneWithACar(300), 0);
        using var writer = ClipWriter.Create(folder, ClipWriter.DefaultFormat, 0.5, "a frame every 2 s");
        for (int i = 0; i < 10; i++)
        {
            var ts = TimeSpan.FromSeconds(i * 2.0);
            using var frame = scene.ToFrame(i, ts);
            writer.Append(frame, scene.ToTruth(i, ts));
        }
        return writer.Complete();
    }

    [Test]
    public async Task RemovedOrRestarted_WhileAQuestionWaitsForAFrame_TheQuestionIsAnsweredFirst()
    {
        // Remove and Start may run while a question waits for the next frame (questions interleave): the camera
        // stops only once the question has its frame, so no answer promised to a caller is dropped
        var camera = cluster.GrainFactory.GetGrain<ICameraGrain>("slow");
        var spec = new CameraSpec { Source = SlowClipIn(Path.Combine(Temp, "slow")), Loop = true };
        await camera.Start(spec);
        await camera.Ask("is there a car"); // the first frame is in: the next comes 2 s later
        var asked = camera.Ask("is there a car");
        await Task.Delay(300);
        Assert.That(asked.IsCompleted, Is.False, "the question waits for the next frame");
        await camera.Start(spec); // a restart
        Assert.That((await asked).Text, Is.EqualTo("yes"), "answered, not 'stopped while it waited'");

        await camera.Ask("is there a car");
        asked = camera.Ask("is there a car");
        await Task.Delay(300);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await camera.Remove();
        TestContext.Out.WriteLine($"removed {clock.Elapsed.TotalSeconds:F1} s after the call (the question had its frame first)");
        Assert.That(asked.IsCompletedSuccessfully, Is.True);
        Assert.That((await asked).Text, Is.EqualTo("yes"));
    }

    [Test]
    public async Task UnknownOrRemovedCamera_OneLineNamingIt()
    {
        var nobody = cluster.GrainFactory.GetGrain<ICameraGrain>("nobody");
        var e = Assert.ThrowsAsync<CameraException>(() => nobody.Ask("is there a car"));
        Assert.That(e!.Message, Is.EqualTo("camera 'nobody': no such camera (not registered, or removed)"));
        Assert.ThrowsAsync<CameraException>(() => nobody.Health());
        var empty = Assert.ThrowsAsync<CameraException>(() => nobody.Start(new CameraSpec { Source = " " }));
        Assert.That(empty!.Message, Is.EqualTo("camera 'nobody': the source is empty"));
    }

    [Test]
    public async Task RecordingThatEnds_SaysSo_WhenAsked()
    {
        string clip = StillClip("short", seed: 4, seconds: 1, out _);
        var camera = cluster.GrainFactory.GetGrain<ICameraGrain>("short");
        await camera.Start(new CameraSpec { Source = clip });
        for (int i = 0; i < 100 && (await camera.Health()).State != "ended"; i++)
            await Task.Delay(100);
        Assert.That((await camera.Health()).State, Is.EqualTo("ended"));
        var e = Assert.ThrowsAsync<CameraException>(() => camera.Ask("is there a car"));
        Assert.That(e!.Message, Is.EqualTo($"camera 'short': its source {clip} ended"));
        await camera.Remove();
    }

    [Test]
    public async Task SourceThatCannotBeOpened_StaysRegistered_ReportsAndRetries()
    {
        // a stream nobody serves: the camera is registered, says why it has no frames, and keeps trying with backoff
        var camera = cluster.GrainFactory.GetGrain<ICameraGrain>("dead");
        await camera.Start(new CameraSpec { Source = "http://127.0.0.1:9/live.ts" });
        CameraHealth health = await camera.Health();
        for (int i = 0; i < 100 && health.LastError is null; i++)
        {
            await Task.Delay(100);
            health = await camera.Health();
        }
        TestContext.Out.WriteLine($"health: {health}");
        Assert.That(health.State, Is.EqualTo("reconnecting"));
        Assert.That(health.LastError, Does.Contain("127.0.0.1:9"));
        Assert.That(health.FramesCaptured, Is.Zero);
        await camera.Remove();
        Assert.ThrowsAsync<CameraException>(() => camera.Health());
    }
}
