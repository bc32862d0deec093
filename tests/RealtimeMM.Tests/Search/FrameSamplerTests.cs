using RealtimeMM.Frames;
using RealtimeMM.Search;

namespace RealtimeMM.Tests.Search;

public class FrameSamplerTests
{
    /// <summary>8x8 blocks of random grey: a different picture for every <paramref name="seed"/>.</summary>
    static byte[] Picture(int w, int h, int seed)
    {
        var rng = new Random(seed);
        var blocks = new byte[(w / 8 + 1) * (h / 8 + 1)];
        rng.NextBytes(blocks);
        var px = new byte[w * h * 3];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                px[(y * w + x) * 3] = px[(y * w + x) * 3 + 1] = px[(y * w + x) * 3 + 2] = blocks[y / 8 * (w / 8 + 1) + x / 8];
        return px;
    }

    [Test]
    public void ShouldStore_StaticPicture_OncePerStaticInterval()
    {
        var sampler = new FrameSampler { Interval = 0.5, StaticInterval = 10 };
        var still = Picture(64, 48, 0);
        int kept = 0;
        for (int i = 0; i < 30 * 60; i++) // a minute at 30 FPS
            kept += sampler.ShouldStore(new ImageView(still, 64, 48, 64 * 3), i / 30.0) ? 1 : 0;
        Assert.That(kept, Is.EqualTo(6));
        var fresh = sampler.Fresh();
        Assert.That((fresh.Interval, fresh.StaticInterval, fresh.ChangeThreshold, fresh.Offered), Is.EqualTo((0.5, 10.0, sampler.ChangeThreshold, 0L)));
        Assert.That(fresh.ShouldStore(new ImageView(still, 64, 48, 64 * 3), 55), Is.True, "a fresh sampler has no last frame: the first one is kept");
        Assert.That(sampler.ShouldStore(new ImageView(still, 64, 48, 64 * 3), 55), Is.False, "the used one still remembers its last frame");
    }

    [Test]
    public void ShouldStore_MovingPicture_EveryInterval()
    {
        var sampler = new FrameSampler { Interval = 0.5 };
        int kept = 0;
        for (int i = 0; i < 30 * 10; i++)
            kept += sampler.ShouldStore(new ImageView(Picture(64, 48, i), 64, 48, 64 * 3), i / 30.0) ? 1 : 0;
        Assert.That(kept, Is.EqualTo(20));
        Assert.That(sampler.Offered, Is.EqualTo(300));
    }

    [Test]
    public void AnHourOfMovingVideo_AtTheDefaults_IndexFitsFiftyMegabytes()
    {
        var sampler = new FrameSampler();
        string path = Path.Combine(Path.GetTempPath(), $"rtmm-hour-{Guid.NewGuid():N}.rtmmidx");
        try
        {
            var header = FrameIndexTests.Header with { Dimensions = 128 };
            var embedding = Enumerable.Range(0, 128).Select(k => MathF.Cos(k)).ToArray();
            using (var w = FrameIndexWriter.Open(path, header, batchSize: 256))
                for (int i = 0; i < 30 * 3600; i++)
                    if (sampler.ShouldStore(new ImageView(Picture(64, 48, i), 64, 48, 64 * 3), i / 30.0))
                        w.Append(i, i / 30.0, embedding);
            long bytes = new FileInfo(path).Length;
            TestContext.Out.WriteLine($"an hour at 30 FPS, every frame different: {sampler.Kept} of {sampler.Offered} frames stored, {bytes / 1e6:F1} MB");
            Assert.That(bytes, Is.LessThanOrEqualTo(50_000_000));
            Assert.That(FrameIndex.Load(path).Count, Is.EqualTo(sampler.Kept));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
