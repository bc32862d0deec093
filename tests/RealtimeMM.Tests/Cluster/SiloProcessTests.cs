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
