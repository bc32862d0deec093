using System.Diagnostics;
using RealtimeMM.Sources;
using RealtimeMM.Capture;
using RealtimeMM.Replay;

namespace RealtimeMM.Tests.Capture;

public class FrameSourceTests : TestBase
{
    [TestCase("0", FrameSourceKind.Camera)]
    [TestCase("/dev/video3", FrameSourceKind.Camera)]
    [TestCase("rtsp://10.0.0.2/cam", FrameSourceKind.Stream)]
    [TestCase("HTTP://host/x.ts", FrameSourceKind.Stream)]
    [TestCase("movie.mp4", FrameSourceKind.VideoFile)]
    [TestCase("some/clip.json", FrameSourceKind.ReplayClip)]
    public void Classify_Spec_Kind(string spec, FrameSourceKind kind) => Assert.That(FrameSource.Classify(spec), Is.EqualTo(kind));

    [Test]
    public void Open_VideoFile_AllFramesWithIncreasingTimestamps()
    {
        var (clip, scenes) = Clips.Write(Path.Combine(Temp, "clip"), frames: 20);
        using var source = FrameSource.Open(Path.Combine(clip, "frames.avi"));
        Assert.That(source.Info, Is.EqualTo(new FrameSourceInfo(FrameSourceKind.VideoFile, Path.Combine(clip, "frames.avi"), 160, 120, 30, 20)));
        var stamps = new List<TimeSpan>();
        while (source.Read() is { } f)
        {
            using (f)
            {
                using var expected = scenes[f.Index].ToFrame(f.Index, f.Timestamp);
                Assert.That(f.PixelsEqual(expected), Is.True, $"frame {f.Index}");
                stamps.Add(f.Timestamp);
            }
        }
        Assert.That(stamps, Has.Count.EqualTo(20));
        Assert.That(stamps, Is.Ordered.Ascending);
        Assert.That(stamps.Distinct().Count(), Is.EqualTo(20));
    }

    [Test]
    public void Open_ImageFolder_PlaysFilesInNameOrder()
    {
        var (clip, scenes) = Clips.Write(Path.Combine(Temp, "clip"), frames: 3, format: ClipFormat.Png);
        using var source = FrameSource.Open(Path.Combine(clip, "frames"), new FrameSourceOptions { ImageFolderFps = 10 });
        Assert.That(source.Info.Kind, Is.EqualTo(FrameSourceKind.ImageFolder));
        var got = new List<double>();
        while (source.Read() is { } f)
        {
            using (f)
            {
                using var expected = scenes[f.Index].ToFrame(f.Index, f.Timestamp);
                Assert.That(f.PixelsEqual(expected), Is.True);
                got.Add(f.Timestamp.TotalMilliseconds);
            }
        }
        Assert.That(got, Is.EqualTo(new[] { 0.0, 100.0, 200.0 }).Within(1e-6));
    }

    [Test]
    public void Read_RealTimePacing_TakesAsLongAsTheClip()
    {
        var (clip, _) = Clips.Write(Path.Combine(Temp, "clip"), frames: 10);
        using var source = FrameSource.Open(clip, new FrameSourceOptions { Pacing = Pacing.RealTime });
        var clock = Stopwatch.StartNew();
        int n = 0;
        while (source.Read() is { } f)
        {
            f.Dispose();
            n++;
        }
        // 10 frames at 30 fps: the last is due 300 ms after the first (a lower bound only)
        Assert.That(n, Is.EqualTo(10));
        Assert.That(clock.Elapsed.TotalMilliseconds, Is.GreaterThanOrEqualTo(290));
    }

    [Test]
    public void Read_RealTimePacing_CancelledWhileAFrameWaits_DisposesIt()
    {
        // the frame is decoded, then waits for its time: cancelled there, it must not leak (TestBase counts live frames)
        var (clip, _) = Clips.Write(Path.Combine(Temp, "clip"), frames: 10, fps: 2);
        using var source = FrameSource.Open(clip, new FrameSourceOptions { Pacing = Pacing.RealTime });
        source.Read()!.Dispose();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        Assert.That(() => source.Read(cancel.Token), Throws.InstanceOf<OperationCanceledException>());
    }

    // ---- bad input: each names the source and the problem, typed exception

    [Test]
    public void Open_MissingFile_Throws() => ExpectProblem(Path.Combine(Temp, "nothere.mp4"), "file not found");

    [Test]
    public void Open_EmptyFile_Throws()
    {
        var path = Path.Combine(Temp, "empty.mp4");
        File.WriteAllBytes(path, []);
        ExpectProblem(path, "empty (0 bytes)");
    }

    [Test]
    public void Open_CorruptVideo_Throws()
    {
        var path = Path.Combine(Temp, "junk.mp4");
        File.WriteAllBytes(path, Enumerable.Range(0, 20000).Select(i => (byte)(i * 7919 % 251)).ToArray());
        ExpectProblem(path, "cannot be opened as a video");
    }

    [Test]
    public void Read_TruncatedVideo_ThrowsAtTheCut()
    {
        var (clip, _) = Clips.Write(Path.Combine(Temp, "clip"), frames: 30);
        var video = Path.Combine(clip, "frames.avi");
        var bytes = File.ReadAllBytes(video);
        File.WriteAllBytes(video, bytes[..(bytes.Length * 2 / 3)]);
        using var source = FrameSource.Open(video);
        var e = Assert.Throws<FrameSourceException>(() =>
        {
            while (source.Read() is { } f)
                f.Dispose();
        });
        Assert.That(e!.Message, Does.StartWith(video).And.Contain("truncated"));
    }

    [Test]
    public void Open_EmptyImageFolder_Throws()
    {
        var folder = Path.Combine(Temp, "empty");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "not an image");
        ExpectProblem(folder, "folder has no images");
    }

    [Test]
    public void Read_CorruptImageInFolder_ThrowsNamingTheFile()
    {
        var (clip, _) = Clips.Write(Path.Combine(Temp, "clip"), frames: 3, format: ClipFormat.Png);
        var bad = Path.Combine(clip, "frames", "000001.png");
        File.WriteAllText(bad, "not a png");
        using var source = FrameSource.Open(Path.Combine(clip, "frames"));
        source.Read()!.Dispose();
        Assert.That(() => source.Read(), Throws.TypeOf<FrameSourceException>().With.Message.EqualTo($"{bad}: cannot be decoded as an image (corrupt or unsupported)"));
    }

    [TestCase("7")]
    [TestCase("/dev/video9")]
    public void Open_CameraThatDoesNotExist_Throws(string spec) => ExpectProblem(spec, "no such camera");

    [Test]
    public void Open_UnreachableUrl_Throws()
    {
        var url = $"http://127.0.0.1:{Tools.FreePort()}/live.ts";
        var clock = Stopwatch.StartNew();
        ExpectProblem(url, "Connection refused", new FrameSourceOptions { OpenTimeout = TimeSpan.FromSeconds(5) });
        Assert.That(clock.Elapsed.TotalSeconds, Is.LessThan(10));
    }

    [Test]
    public void Open_MissingClipFolderSidecar_Throws() => ExpectProblem(Path.Combine(Temp, "noclip", "clip.json"), "clip not found");

    static void ExpectProblem(string spec, string problem, FrameSourceOptions? options = null)
    {
        var e = Assert.Throws<FrameSourceException>(() => FrameSource.Open(spec, options).Dispose());
        TestContext.Out.WriteLine(e!.Message);
        Assert.That(e.SourceName, Is.EqualTo(spec));
        Assert.That(e.Message, Does.StartWith($"{spec}: ").And.Contain(problem));
        Assert.That(e.Message, Does.Not.Contain("\n"));
    }
}
