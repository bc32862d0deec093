using System.Diagnostics;
using RealtimeMM.Gpu;
using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;
using RealtimeMM.Scenes;
using RealtimeMM.Search;
using RealtimeMM.Session;
using RealtimeMM.Tests.Scenes;

namespace RealtimeMM.Tests.Session;

public class RealtimeSessionTests : TestBase
{
    static readonly SceneOptions Size = new() { Width = 320, Height = 240 };
    static RealtimeSessionOptions Cpu => new() { Device = DevicePreference.Cpu };

    [Test]
    public async Task AskAsync_BeforeAnyFrame_WaitsThenAnswersLikeTheAnswerer()
    {
        var scene = SceneGenerator.Render(2, 3, Size);
        await using var session = RealtimeSession.Create(Cpu);
        var question = scene.Questions[0].Question;
        var pending = session.AskAsync(question);
        await Task.Delay(200);
        Assert.That(pending.IsCompleted, Is.False, "no frame yet: the question waits for one");
        session.SubmitFrame(scene.Bgr, Size.Width, Size.Height, Size.Width * 3);
        var answer = await pending.WaitAsync(TimeSpan.FromSeconds(20));
        using var direct = QuestionAnswerer.Open(device: DevicePreference.Cpu);
        var expected = direct.Ask(new RealtimeMM.Frames.ImageView(scene.Bgr, Size.Width, Size.Height, Size.Width * 3), question);
        Assert.That(answer.Text, Is.EqualTo(expected.Text));
        Assert.That(answer.Confidence, Is.EqualTo(expected.Confidence).Within(1e-5));
        Assert.That(session.Stats.FramesProcessed, Is.EqualTo(1));
    }

    [Test]
    public async Task StandingQuestion_AnswersStreamAndEvent_FramesOfChangingSize()
    {
        await using var session = RealtimeSession.Create(Cpu);
        int events = 0;
        session.Answered += (_, _) => Interlocked.Increment(ref events);
        session.AddStandingQuestion("how many cars are there");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var received = new List<Answer>();
        var reader = Task.Run(async () =>
        {
            await foreach (var a in session.Answers(cts.Token))
            {
                received.Add(a);
                if (received.Count == 3)
                    break;
            }
        });
        int submitted = 0;
        foreach (var (w, h) in new[] { (320, 240), (640, 480), (101, 77) })
        {
            var scene = SceneGenerator.Render(2, w, new SceneOptions { Width = w, Height = h });
            session.SubmitFrame(scene.Bgr, w, h, w * 3);
            submitted++;
            while (session.Stats.FramesProcessed < submitted)
                await Task.Delay(10, cts.Token);
        }
        await reader.WaitAsync(cts.Token);
        Assert.That(received, Has.Count.EqualTo(3));
        Assert.That(received.Select(a => a.Query), Is.All.EqualTo("how many cars are there"));
        Assert.That(events, Is.GreaterThanOrEqualTo(3));
        var buffer = new byte[101 * 77 * 3];
        Assert.That(session.RenderOverlay(buffer, 101 * 3, out int ow, out int oh), Is.True);
        Assert.That((ow, oh), Is.EqualTo((101, 77)));
        Assert.That(buffer.Any(b => b != 0), Is.True);
        Assert.That(session.RenderOverlay(new byte[10], 30, out _, out _), Is.False, "a buffer of the wrong size is refused");
    }

    [Test]
    public async Task SubmitFrame_NeverWaitsForTheModel_NewestFrameWins()
    {
        // the worker is held inside a frame (an Answered handler runs on it and waits on a gate):
        // a caller's SubmitFrame still returns every time, and only the newest frame waits
        await using var session = RealtimeSession.Create(Cpu);
        session.AddStandingQuestion("is there a car");
        using var gate = new ManualResetEventSlim(false);
        using var inside = new ManualResetEventSlim(false);
        session.Answered += (_, _) => { inside.Set(); gate.Wait(); };
        var scene = SceneGenerator.Render(2, 4, Size);
        session.SubmitFrame(scene.Bgr, Size.Width, Size.Height, Size.Width * 3);
        Assert.That(inside.Wait(TimeSpan.FromSeconds(30)), Is.True, "the first frame reaches the handler");
        var submitter = Task.Run(() =>
        {
            for (int i = 0; i < 200; i++)
                session.SubmitFrame(scene.Bgr, Size.Width, Size.Height, Size.Width * 3);
        });
        bool returned = submitter.Wait(TimeSpan.FromSeconds(30));
        var held = session.Stats;
        gate.Set();
        Assert.That(returned, Is.True, "200 submits returned while the worker was held in a frame");
        Assert.That(held.FramesSubmitted, Is.EqualTo(201));
        Assert.That(held.FramesProcessed, Is.EqualTo(1));
        Assert.That(held.FramesDropped, Is.EqualTo(199), "each submit replaced the waiting frame but the newest");
    }

    [Test]
    public async Task ManyThreadsAsking_EveryAnswerArrives()
    {
        await using var session = RealtimeSession.Create(Cpu);
        var scene = SceneGenerator.Render(2, 9, Size);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(double.TryParse(Environment.GetEnvironmentVariable("RTMM_SOAK_SECONDS"), out var s) ? s : 4));
        using var feederStop = new CancellationTokenSource();
        var feeder = Task.Run(async () =>
        {
            // frames keep coming until every asker is done: a question waits for the next frame
            while (!feederStop.IsCancellationRequested)
            {
                session.SubmitFrame(scene.Bgr, Size.Width, Size.Height, Size.Width * 3);
                await Task.Delay(15);
            }
        });
        long asked = 0, answered = 0;
        string[] questions = ["how many cars are there", "is there a dog"];
        var truth = questions.Select(q => SceneTruth.Of(scene, q)!).ToArray();
        var askers = Enumerable.Range(0, 32).Select(t => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                Interlocked.Increment(ref asked);
                var a = await session.AskAsync(questions[t % 2]).WaitAsync(TimeSpan.FromSeconds(30));
                Assert.That(a.ModelAnswer, Is.EqualTo(truth[t % 2]), questions[t % 2]);
                Interlocked.Increment(ref answered);
            }
        })).ToArray();
        await Task.WhenAll(askers);
        feederStop.Cancel();
        await feeder;
        TestContext.Out.WriteLine($"32 threads: {answered}/{asked} answered, {session.Stats.FramesProcessed} frames processed");
        Assert.That(answered, Is.EqualTo(asked));
        Assert.That(answered, Is.GreaterThan(32));
    }

    [Test]
    public async Task Dispose_MidQuestion_Cancels_AndEverythingAfterIsRefused()
    {
        var session = RealtimeSession.Create(Cpu);
        var waiting = session.AskAsync("how many cars are there"); // no frame will come
        await session.DisposeAsync();
        Assert.That(async () => await waiting, Throws.InstanceOf<OperationCanceledException>());
        await session.DisposeAsync(); // twice is fine
        session.Dispose();
        Assert.That(() => session.AskAsync("is there a dog"), Throws.TypeOf<ObjectDisposedException>());
        Assert.That(() => session.SubmitFrame(new byte[12], 2, 2, 6), Throws.TypeOf<ObjectDisposedException>());
    }

    [Test]
    public async Task BadInput_ClearTypedErrors()
    {
        await using var session = RealtimeSession.Create(Cpu);
        Assert.That(() => session.SubmitFrame(new byte[10], 0, 5, 0), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("frame size 0x5"));
        Assert.That(() => session.SubmitFrame(new byte[10], 4, 4, 12), Throws.ArgumentException.With.Message.Contains("needs 48"));
        Assert.That(() => session.SubmitFrame(new byte[100], 4, 4, 8), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("stride 8"));
        Assert.That(() => session.SubmitFrame(0, 4, 4, 12), Throws.ArgumentNullException);
        using var gray = new OpenCvSharp.Mat(4, 4, OpenCvSharp.MatType.CV_8UC1);
        Assert.That(() => session.SubmitFrame(gray), Throws.ArgumentException.With.Message.Contains("CV_8UC3"));
        var cancelled = session.AskAsync("is there a dog", new CancellationToken(true));
        Assert.That(async () => await cancelled, Throws.InstanceOf<OperationCanceledException>());
        Assert.That(() => RealtimeSession.Create(new RealtimeSessionOptions { ModelFolder = Path.Combine(Temp, "nowhere"), Device = DevicePreference.Cpu }),
            Throws.TypeOf<ModelBundleException>().With.Message.Contains("nowhere"));
    }

    [Test]
    public void CreateDispose_100Cycles_NoGrowth()
    {
        for (int i = 0; i < 5; i++)
            RealtimeSession.Create(Cpu).Dispose(); // warm-up: libraries, pools
        long memory0 = Tools.WorkingSetAfterGc();
        int handles0 = Tools.OpenHandles();
        for (int i = 0; i < 100; i++)
        {
            using var session = RealtimeSession.Create(Cpu);
        }
        long grow = Tools.WorkingSetAfterGc() - memory0;
        int handleGrow = Tools.OpenHandles() - handles0;
        TestContext.Out.WriteLine($"after 100 create/dispose cycles: working set {grow / 1e6:+0.0;-0.0} MB, open handles {handleGrow:+0;-0}");
        Assert.That(handleGrow, Is.LessThanOrEqualTo(10), "a handle leaked per cycle would show 100; a few come and go with the thread pool");
        Assert.That(grow, Is.LessThan(60_000_000));
    }
}

[Category("Vulkan")]
public class RealtimeSessionVulkanTests : TestBase
{
    [Test]
    public async Task VulkanSession_DrawsItsOverlayOnTheDevice_SameAsTheCpuSession()
    {
        var size = new SceneOptions { Width = 320, Height = 240 };
        var scene = SceneGenerator.Render(2, 6, size);
        async Task<(byte[] Pixels, string Where)> Overlay(DevicePreference device)
        {
            await using var session = RealtimeSession.Create(new RealtimeSessionOptions { Device = device });
            session.AddStandingQuestion("where is the car");
            session.SubmitFrame(scene.Bgr, size.Width, size.Height, size.Width * 3);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await foreach (var _ in session.Answers(cts.Token))
                break;
            var buffer = new byte[size.Width * size.Height * 3];
            Assert.That(session.RenderOverlay(buffer, size.Width * 3, out _, out _), Is.True);
            return (buffer, session.OverlayDevice);
        }
        var (gpu, gpuWhere) = await Overlay(DevicePreference.Vulkan);
        var (cpu, cpuWhere) = await Overlay(DevicePreference.Cpu);
        int maxDiff = gpu.Zip(cpu).Max(p => Math.Abs(p.First - p.Second));
        int changed = scene.Bgr.Zip(gpu).Count(p => p.First != p.Second);
        TestContext.Out.WriteLine($"overlay on {gpuWhere} against {cpuWhere}: max |difference| {maxDiff} (of 255), {changed} of {gpu.Length} bytes tinted");
        Assert.That(gpuWhere, Does.StartWith("vulkan"));
        Assert.That(cpuWhere, Is.EqualTo("cpu"));
        Assert.That(changed, Is.GreaterThan(gpu.Length / 20), "the heatmap is drawn");
        Assert.That(maxDiff, Is.LessThanOrEqualTo(2), "the Vulkan overlay kernel matches the C# renderer (rounding)");
    }

    [Test]
    public async Task VulkanSession_CreateAskDispose_Cycles_NoGrowth()
    {
        // each cycle opens a Vulkan device (lavapipe here), answers on it and gives everything back
        var size = new SceneOptions { Width = 320, Height = 240 };
        var scene = SceneGenerator.Render(2, 6, size);
        var options = new RealtimeSessionOptions { Device = DevicePreference.Vulkan };
        async Task Cycle()
        {
            await using var session = RealtimeSession.Create(options);
            Assert.That(session.Device, Does.StartWith("vulkan"));
            var pending = session.AskAsync("how many cars are there");
            session.SubmitFrame(scene.Bgr, size.Width, size.Height, size.Width * 3);
            Assert.That((await pending.WaitAsync(TimeSpan.FromSeconds(60))).ModelAnswer, Is.EqualTo(SceneTruth.Of(scene, "how many cars are there")));
        }
        // warm-up: the working set climbs over the first devices, then stays: the loader, lavapipe, and the
        // C allocator's per-thread arenas, each grown to the high-water mark of a shader compile on the thread
        // that opened a device (up to 8 arenas a core); with the fusion shader of session 8 that takes ~40 devices
        for (int i = 0; i < 40; i++)
            await Cycle();
        // three blocks of 10 cycles: a leak shows in every block, a one-off jump (an arena, the GC) in one
        var growth = new List<double>();
        int handles0 = Tools.OpenHandles();
        for (int block = 0; block < 3; block++)
        {
            long before = Tools.WorkingSetAfterGc();
            for (int i = 0; i < 10; i++)
                await Cycle();
            growth.Add((Tools.WorkingSetAfterGc() - before) / 1e6);
        }
        int handleGrow = Tools.OpenHandles() - handles0;
        TestContext.Out.WriteLine($"Vulkan session, 3 blocks of 10 create/ask/dispose cycles: working set {string.Join(", ", growth.Select(g => $"{g:+0.0;-0.0}"))} MB, open handles {handleGrow:+0;-0}");
        Assert.That(handleGrow, Is.LessThanOrEqualTo(5), "a device's handles leaked per cycle would show 30 or more");
        Assert.That(growth.Min(), Is.LessThan(10), "a leak of 1 MB a cycle (a model's GPU weights are several) would show in every block");
    }
}

public class RealtimeSessionFaultTests : TestBase
{
    [Test]
    public async Task OneFrameFails_ItsQuestionGetsTheError_TheStreamGoesOn()
    {
        await using var session = RealtimeSession.Create(new RealtimeSessionOptions { Device = DevicePreference.Cpu });
        session.BeforeEncode = f =>
        {
            if (f.Index == 1)
                throw new InvalidDataException("injected encoder failure");
        };
        var scene = SceneGenerator.Render(2, 3, new SceneOptions { Width = 160, Height = 120 });
        async Task<Answer> AskOnNextFrame()
        {
            var pending = session.AskAsync("how many cars are there");
            session.SubmitFrame(scene.Bgr, 160, 120, 480);
            return await pending.WaitAsync(TimeSpan.FromSeconds(20));
        }
        string cars = SceneTruth.Of(scene, "how many cars are there")!;
        Assert.That((await AskOnNextFrame()).ModelAnswer, Is.EqualTo(cars));            // frame 0
        var failed = Assert.ThrowsAsync<FrameProcessingException>(async () => await AskOnNextFrame()); // frame 1
        Assert.That(failed!.Message, Does.Contain("frame 1").And.Contain("injected encoder failure"));
        Assert.That((await AskOnNextFrame()).ModelAnswer, Is.EqualTo(cars));            // frame 2: the session went on
        Assert.That(session.Stats.FramesFailed, Is.EqualTo(1));
        Assert.That(session.Stats.FramesProcessed, Is.EqualTo(2));
    }
}

public class RealtimeSessionIndexTests : TestBase
{
    static async Task<int> FeedScenes(RealtimeSession session, int seed, int count, List<SceneFrame> shown)
    {
        for (int i = 0; i < count; i++)
        {
            var scene = RealtimeMM.Scenes.SceneGenerator.Render(seed, i, new RealtimeMM.Scenes.SceneOptions { Width = 160, Height = 120 });
            var pending = session.AskAsync("how many cars are there"); // answered on the next frame: every frame is processed
            session.SubmitFrame(scene.Bgr, 160, 120, 480);
            await pending.WaitAsync(TimeSpan.FromSeconds(20));
            shown.Add(scene);
        }
        return count;
    }

    [Test]
    public async Task IndexPath_SessionStoresEachFramesEmbedding_ReopenedIndexContinues()
    {
        string path = Path.Combine(Temp, "session.rtmmidx");
        var options = new RealtimeSessionOptions { Device = DevicePreference.Cpu, IndexPath = path, IndexSampling = new FrameSampler { Interval = 0, ChangeThreshold = 0 } };
        var scenes = new List<SceneFrame>();
        long indexed;
        await using (var session = RealtimeSession.Create(options))
        {
            await FeedScenes(session, 31, 24, scenes);
            indexed = session.Stats.FramesIndexed;
        }
        var index = FrameIndex.Load(path);
        TestContext.Out.WriteLine($"first session: {index.Count} frames indexed of 24 processed");
        Assert.That(index.Count, Is.EqualTo(indexed).And.EqualTo(24), "every processed frame (sampling: all), flushed on dispose");
        Assert.That(index.Recovered, Is.Null);

        // each stored embedding is its own frame's (what rtmm search compares queries with)
        using (var answerer = QuestionAnswerer.Open(device: DevicePreference.Cpu))
        {
            double worst = 0;
            for (int row = 0; row < index.Count; row++)
            {
                var scene = scenes[(int)index.Store.FrameAt(row)];
                var expected = answerer.Encode(new RealtimeMM.Frames.ImageView(scene.Bgr, 160, 120, 480)).Embedding;
                var stored = index.Store.EmbeddingAt(row);
                for (int k = 0; k < expected.Length; k++)
                    worst = Math.Max(worst, Math.Abs(expected[k] - stored[k]));
            }
            TestContext.Out.WriteLine($"max |stored - frame's own embedding| over {index.Count} frames: {worst:E2}");
            Assert.That(worst, Is.LessThan(1e-4));
        }
        Assert.That(index.Store.SecondsAt(0), Is.InRange(0, 30), "times count from the session's start");

        // a second session continues the file: numbers and times carry on
        double lastSeconds = index.Store.SecondsAt(index.Count - 1);
        await using (var session = RealtimeSession.Create(options))
            await FeedScenes(session, 32, 5, scenes);
        var again = FrameIndex.Load(path);
        Assert.That(again.Count, Is.EqualTo(29));
        Assert.That(again.Store.FrameAt(24), Is.EqualTo(24), "frame numbers continue after the stored ones");
        Assert.That(again.Store.SecondsAt(24), Is.GreaterThan(lastSeconds));

        // not an index: refused with the file named, nothing left running
        string bad = Path.Combine(Temp, "notes.rtmmidx");
        File.WriteAllText(bad, "these are notes, not an index");
        var e = Assert.Throws<FrameIndexException>(() => RealtimeSession.Create(options with { IndexPath = bad }));
        Assert.That(e!.Message, Does.Contain(bad));
        Assert.That(File.ReadAllText(bad), Is.EqualTo("these are notes, not an index"), "the file is left as it was");
    }
}

