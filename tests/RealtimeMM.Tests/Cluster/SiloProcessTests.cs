using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using RealtimeMM.Cluster;
using RealtimeMM.Tests.Cli;

namespace RealtimeMM.Tests.Cluster;

/// <summary>
/// The camera cluster as it runs: a loopback redis-server (Debian's, installed by tools/setup; started
/// here, stopped after), silos as `rtmm serve` processes, `rtmm cluster` as the client. Registrations
/// outlive a silo: a SIGKILLed silo's camera serves again from the other silo.
/// </summary>
[NonParallelizable]
public class SiloProcessTests : TestBase
{
    LoopbackRedis? redis;
    string redisAddress = "";
    readonly List<Process> silos = [];
    static string RtmmPath => Path.Combine(AppContext.BaseDirectory, "rtmm");

    static int FreePort() => LoopbackRedis.FreePort();

    [SetUp]
    public void StartRedis()
    {
        redis = new LoopbackRedis();
        redisAddress = redis.Address;
    }

    [TearDown]
    public void StopAll()
    {
        foreach (var s in silos)
        {
            if (!s.HasExited)
                s.Kill(entireProcessTree: true);
            s.WaitForExit(10_000);
            s.Dispose();
        }
        silos.Clear();
        redis?.Dispose();
    }

    Process Silo(string cluster, int siloPort, int gatewayPort)
    {
        var p = Process.Start(new ProcessStartInfo(RtmmPath, $"serve --redis {redisAddress} --cluster {cluster} --silo-port {siloPort} --gateway-port {gatewayPort} --device Cpu --threads 1")
            { RedirectStandardOutput = true, RedirectStandardError = true })!;
        silos.Add(p);
        var up = p.StandardOutput.ReadLineAsync();
        Assert.That(up.Wait(TimeSpan.FromSeconds(60)), Is.True, "the silo says it is up");
        Assert.That(up.Result, Does.StartWith($"rtmm serve: silo up in cluster '{cluster}'"), p.HasExited ? p.StandardError.ReadToEnd() : "");
        return p;
    }

    Rtmm.Result Cluster(string cluster, params string[] args) => Rtmm.Run(["cluster", "--redis", redisAddress, "--cluster", cluster, .. args]);

    [Test]
    public void SiloKilled_ItsCameraServesAgainFromTheOther_RegistrationAndFlushedIndexOutliveIt()
    {
        var (clip, _) = Clips.Write(Path.Combine(Temp, "clip"), frames: 30, fps: 10, options: new RealtimeMM.Scenes.SceneOptions());
        var first = Silo("kill", FreePort(), FreePort());
        var added = Cluster("kill", "add", "gate", "--source", clip, "--loop", "--ask", "how many cars are there", "--json");
        Assert.That(added.ExitCode, Is.Zero, added.ToString());
        var asked = Cluster("kill", "ask", "gate", "--query", "is there a car");
        Assert.That(asked.ExitCode, Is.Zero, asked.ToString());
        Assert.That(asked.Out, Does.StartWith("gate: is there a car? "));
        var second = Silo("kill", FreePort(), FreePort());
        // the camera's index goes to Redis as it runs: wait for a few flushed frames, then read what Redis holds
        using var indexes = new CameraIndexStore(redisAddress, "kill");
        var clock = Stopwatch.StartNew();
        while (indexes.Read("gate", 128).Count < 2 && clock.Elapsed < TimeSpan.FromSeconds(30))
            Thread.Sleep(250);
        var flushed = indexes.Read("gate", 128);
        Assert.That(flushed, Has.Count.GreaterThanOrEqualTo(2), "frames indexed (a frame a 10 s while the picture hardly changes) and flushed to Redis");

        first.Kill(); // SIGKILL: no goodbye to the cluster
        clock.Restart();
        Rtmm.Result list;
        do
        {
            Thread.Sleep(500);
            list = Cluster("kill", "list", "--json");
        }
        while (!(list.ExitCode == 0 && list.Out.Contains("\"state\":\"running\"") && list.Out.Contains("\"frames_processed\":") && !list.Out.Contains("\"frames_processed\":0,"))
            && clock.Elapsed < TimeSpan.FromSeconds(60));
        TestContext.Out.WriteLine($"serving again {clock.Elapsed.TotalSeconds:F1} s after the SIGKILL: {list.Out.Trim()}");
        Assert.That(list.ExitCode, Is.Zero, list.ToString());
        Assert.That(list.Out, Does.Contain("\"camera\":\"gate\"").And.Contain("\"state\":\"running\""), "the camera came back on the silo that is up");
        Assert.That(second.HasExited, Is.False);
        var again = Cluster("kill", "ask", "gate", "--query", "is there a car");
        Assert.That(again.ExitCode, Is.Zero, again.ToString());
        // the standing question registered before the kill is answered on the new silo; another one added from the command line
        var standing = Cluster("kill", "standing", "gate", "--ask", "is there a person", "--json");
        TestContext.Out.WriteLine(standing.Out);
        Assert.That(standing.ExitCode, Is.Zero, standing.ToString());
        Assert.That(standing.Out, Does.Contain("\"query\":\"how many cars are there\"").And.Contain("\"query\":\"is there a person\""));
        // every index record flushed before the kill is still there, and the camera searches them where it runs now
        var after = indexes.Read("gate", 128);
        Assert.That(after.Take(flushed.Count).Select(f => (f.FrameIndex, f.Seconds)), Is.EqualTo(flushed.Select(f => (f.FrameIndex, f.Seconds))), "0 flushed records lost");
        Assert.That(after.Select(f => f.FrameIndex), Is.Unique.And.Ordered.Ascending);
        var health = System.Text.Json.JsonDocument.Parse(list.Out).RootElement;
        Assert.That(health.GetProperty("index_frames").GetInt64(), Is.GreaterThanOrEqualTo(flushed.Count), "the moved camera read its index back from Redis");
        var searched = Cluster("kill", "search", "--text", "a car", "--gap", "0", "--json");
        TestContext.Out.WriteLine(searched.Out);
        Assert.That(searched.ExitCode, Is.Zero, searched.ToString());
        Assert.That(searched.Out, Does.Contain("\"camera\":\"gate\""), "the camera answers the search, with hits or why it has none");

        var removed = Cluster("kill", "remove", "gate");
        Assert.That((removed.ExitCode, removed.Out.Trim()), Is.EqualTo((0, "removed gate")));
        var gone = Cluster("kill", "ask", "gate", "--query", "is there a car");
        Assert.That((gone.ExitCode, gone.Error.Trim()), Is.EqualTo((1, "rtmm: camera 'gate': no such camera (not registered, or removed)")));
    }

    [Test]
    public async Task Alerts_ReachAWatcherInAnotherProcess()
    {
        string clip = CameraGrainTests.CarComesAndGoes(Path.Combine(Temp, "lot"));
        Silo("alerts", FreePort(), FreePort());
        // the watcher is this process, the camera runs in the silo process
        var watching = Task.Run(() => Cluster("alerts", "watch", "--seconds", "20", "--json"));
        Thread.Sleep(3000); // subscribed before the car comes
        var added = Cluster("alerts", "add", "lot", "--source", clip, "--alert", "a car");
        Assert.That(added.ExitCode, Is.Zero, added.ToString());
        var watched = await watching;
        TestContext.Out.WriteLine(watched.Out);
        Assert.That(watched.ExitCode, Is.Zero, watched.ToString());
        var alerts = watched.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement)
            .Select(e => (e.GetProperty("camera").GetString(), e.GetProperty("alert").GetString(), e.GetProperty("raised").GetBoolean())).ToList();
        Assert.That(alerts, Is.EqualTo(new[] { ("lot", "a car", true), ("lot", "a car", false) }));
    }

    [Test]
    public async Task SiloKilled_AnAlertThatStaysInView_IsNotRaisedAgainAfterTheMove()
    {
        // a car always in view: its alert is raised once; the camera's silo is killed, the camera moves to the
        // other silo with the alert still up (kept in its registration), and the car is not raised a second time
        string clip = CameraGrainTests.StillClipIn(Path.Combine(Temp, "car"), CameraGrainTests.SceneWithACar(300), 3, out _);
        int[] siloPorts = [FreePort(), FreePort()];
        var processes = siloPorts.Select(p => Silo("move", p, FreePort())).ToArray();
        var watching = Task.Run(() => Cluster("move", "watch", "--seconds", "35", "--json"));
        Thread.Sleep(3000); // subscribed before the camera starts
        var added = Cluster("move", "add", "lot", "--source", clip, "--loop", "--alert", "a car");
        Assert.That(added.ExitCode, Is.Zero, added.ToString());
        Thread.Sleep(4000); // raised within a second or so
        string CameraSilo() => System.Text.Json.JsonDocument.Parse(Cluster("move", "list", "--json").Out).RootElement.GetProperty("silo").GetString()!;
        string before = CameraSilo();
        int victim = Array.FindIndex(siloPorts, p => before.Contains($":{p}:"));
        Assert.That(victim, Is.GreaterThanOrEqualTo(0), before);
        processes[victim].Kill();
        var clock = Stopwatch.StartNew();
        Rtmm.Result list;
        do
        {
            Thread.Sleep(500);
            list = Cluster("move", "list", "--json");
        }
        while (!(list.ExitCode == 0 && list.Out.Contains("\"state\":\"running\"") && !list.Out.Contains($":{siloPorts[victim]}:") && !list.Out.Contains("\"frames_processed\":0,"))
            && clock.Elapsed < TimeSpan.FromSeconds(30));
        TestContext.Out.WriteLine($"moved {clock.Elapsed.TotalSeconds:F1} s after the SIGKILL: {list.Out.Trim()}");
        Thread.Sleep(3000); // frames with the car on the new silo: a fresh alert would be raised within three
        var watched = await watching;
        TestContext.Out.WriteLine(watched.Out);
        var alerts = watched.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement)
            .Select(e => (e.GetProperty("alert").GetString(), e.GetProperty("raised").GetBoolean(), e.GetProperty("silo").GetString())).ToList();
        Assert.That(list.Out, Does.Contain("\"state\":\"running\"").And.Not.Contain($":{siloPorts[victim]}:"), "the camera runs on the other silo");
        Assert.That(alerts.Select(a => (a.Item1, a.Item2)), Is.EqualTo(new[] { ("a car", true) }), "raised once, not again after the move, never cleared");
        Assert.That(alerts[0].Item3, Is.EqualTo(before));
    }

    [Test]
    public async Task GracefulStop_AQuestionWaitingForAFrame_IsAnswered_TheCameraMoves()
    {
        // a camera that sends a frame every 2 s: a question waits up to 2 s for its frame (Orleans lets the running
        // call finish before it deactivates the camera; the camera's own drain covers Remove and restarts, CameraGrainTests)
        string clip = CameraGrainTests.SlowClipIn(Path.Combine(Temp, "slow"));
        int[] siloPorts = [FreePort(), FreePort()];
        var processes = siloPorts.Select(p => Silo("drain", p, FreePort())).ToArray();
        using var host = await CameraCluster.ConnectAsync(new CameraClusterOptions { Redis = redisAddress, ClusterId = "drain" });
        var gate = host.Client().GetGrain<ICameraGrain>("gate");
        var started = await gate.Start(new CameraSpec { Source = clip, Loop = true });
        int victim = Array.FindIndex(siloPorts, p => started.Silo.Contains($":{p}:"));
        Assert.That(victim, Is.GreaterThanOrEqualTo(0), started.Silo);
        await gate.Ask("is there a car"); // the first frame is in: the next comes 2 s later

        var asked = gate.Ask("is there a car");
        await Task.Delay(300);
        Assert.That(asked.IsCompleted, Is.False, "the question waits for the next frame");
        var clock = Stopwatch.StartNew();
        Process.Start("kill", $"-TERM {processes[victim].Id}")!.WaitForExit(); // a graceful stop of the camera's silo
        var answer = await asked;
        TestContext.Out.WriteLine($"answered {clock.Elapsed.TotalSeconds:F1} s after the SIGTERM: {answer.Text} ({answer.Confidence:F2}), frame {answer.Frame}");
        Assert.That(answer.Text, Is.EqualTo("yes"), "the promised answer came, not an error");
        Assert.That(processes[victim].WaitForExit(30_000), Is.True, "the silo stopped");
        Assert.That(processes[victim].ExitCode, Is.Zero);

        // the camera starts again on the silo that is up
        CameraHealth? moved = null;
        clock.Restart();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            try
            {
                moved = await gate.Health();
                if (!moved.Silo.Contains($":{siloPorts[victim]}:") && moved.FramesProcessed > 0)
                    break;
            }
            catch (Exception e) when (e is OrleansException or TimeoutException or CameraException)
            {
            }
            await Task.Delay(250);
        }
        TestContext.Out.WriteLine($"moved {clock.Elapsed.TotalSeconds:F1} s after the stop: {moved}");
        Assert.That(moved?.Silo, Does.Contain($":{siloPorts[1 - victim]}:"));
        Assert.That((await gate.Ask("is there a car")).Text, Is.EqualTo("yes"));
        await gate.Remove();
    }

    [Test]
    public async Task RedisLostMidRun_SilosServeWhatTheyHold_NewCamerasRefused_AllBackWhenItIs()
    {
        // Redis with an append-only file, so the one started again finds the membership table and registrations
        redis!.Dispose();
        string folder = Path.Combine(Temp, "redis");
        redis = new LoopbackRedis(folder);
        redisAddress = redis.Address;
        var clip = CameraGrainTests.StillClipIn(Path.Combine(Temp, "still"), CameraGrainTests.SceneWithACar(300), 3, out _);
        Silo("lost", FreePort(), FreePort());
        using var host = await CameraCluster.ConnectAsync(new CameraClusterOptions { Redis = redisAddress, ClusterId = "lost" });
        var gate = host.Client().GetGrain<ICameraGrain>("gate");
        await gate.Start(new CameraSpec { Source = clip, Loop = true });
        Assert.That((await gate.Ask("is there a car")).Text, Is.EqualTo("yes"));

        redis.Kill();
        try
        {
            await Task.Delay(3000);
            // what the silo holds goes on: the running camera answers, its health reads
            var clock = Stopwatch.StartNew();
            int answered = 0;
            while (clock.Elapsed < TimeSpan.FromSeconds(8))
            {
                answered += (await gate.Ask("is there a car")).Text == "yes" ? 1 : 0;
                await Task.Delay(250);
            }
            var health = await gate.Health();
            TestContext.Out.WriteLine($"Redis away 11 s: {answered} answers; {health}");
            Assert.That(answered, Is.GreaterThanOrEqualTo(10));
            Assert.That(health.State, Is.EqualTo("running"));
            Assert.That(health.IndexError, Does.StartWith("redis: "), "the index says it cannot write");
            // what needs Redis is refused: a new camera's registration cannot be stored, a new client cannot find the cluster
            var starting = host.Client().GetGrain<ICameraGrain>("yard").Start(new CameraSpec { Source = clip });
            Assert.That(await Task.WhenAny(starting, Task.Delay(TimeSpan.FromSeconds(40))), Is.SameAs(starting), "refused, not left hanging");
            TestContext.Out.WriteLine($"a new camera while Redis is away: {starting.Exception?.InnerException?.GetType().Name}: {starting.Exception?.InnerException?.Message.Split('\n')[0]}");
            Assert.That(starting.IsFaulted, Is.True);
            var refused = Cluster("lost", "add", "dock", "--source", clip);
            TestContext.Out.WriteLine($"add while Redis is away: exit {refused.ExitCode}: {refused.Error.Trim()}");
            Assert.That(refused.ExitCode, Is.EqualTo(1));
            Assert.That(refused.ErrorLines, Has.Length.EqualTo(1));
            Assert.That(refused.Error, Does.Contain("redis"));
        }
        finally
        {
            redis.Start();
        }
        // Redis is back: the silo goes on where it was, a camera can be added, the index catches up
        var back = Stopwatch.StartNew();
        Rtmm.Result added;
        do
        {
            added = Cluster("lost", "add", "dock", "--source", clip, "--loop");
        }
        while (added.ExitCode != 0 && back.Elapsed < TimeSpan.FromSeconds(30));
        TestContext.Out.WriteLine($"added {back.Elapsed.TotalSeconds:F1} s after Redis came back: {added.Out.Trim()}");
        Assert.That(added.ExitCode, Is.Zero, added.ToString());
        CameraHealth after;
        back.Restart();
        do
        {
            await Task.Delay(500);
            after = await gate.Health();
        }
        while ((after.IndexError is not null || after.IndexFlushed < after.IndexFrames - 16) && back.Elapsed < TimeSpan.FromSeconds(20));
        Assert.That(after.IndexError, Is.Null, after.ToString());
        Assert.That(after.IndexDropped, Is.Zero);
        var listed = Cluster("lost", "list", "--json");
        Assert.That(listed.Out, Does.Contain("\"camera\":\"gate\"").And.Contain("\"camera\":\"dock\""));
    }

    [Test]
    public void SiloWithAnotherModel_IsRefusedWithBothNames()
    {
        Silo("models", FreePort(), FreePort()); // the shipped model claims the cluster
        string four = Path.Combine(Tools.RepositoryRoot(), "models", "rtmm-four");
        var refused = Rtmm.Run("serve", "--redis", redisAddress, "--cluster", "models", "--model", four, "--device", "Cpu", "--silo-port", FreePort().ToString(), "--gateway-port", FreePort().ToString());
        Assert.That(refused.ExitCode, Is.EqualTo(1), refused.ToString());
        Assert.That(refused.ErrorLines, Has.Length.EqualTo(1));
        Assert.That(refused.Error, Does.Contain("cluster 'models' runs model 'rtmm-tiny'").And.Contain("this silo has 'rtmm-four'").And.Contain("refused"));
    }

    [Test]
    public void RedisUnreachable_OneLineNamingTheAddress()
    {
        int port = FreePort(); // nobody listens there
        var served = Rtmm.Run("serve", "--redis", $"127.0.0.1:{port}", "--device", "Cpu");
        Assert.That(served.ExitCode, Is.EqualTo(1));
        Assert.That(served.Error.Trim(), Does.StartWith($"rtmm: redis 127.0.0.1:{port}: unreachable ("));
        var listed = Rtmm.Run("cluster", "--redis", $"127.0.0.1:{port}", "list");
        Assert.That(listed.ExitCode, Is.EqualTo(1));
        Assert.That(listed.ErrorLines, Has.Length.EqualTo(1));
    }
}
