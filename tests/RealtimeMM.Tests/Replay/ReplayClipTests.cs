using System.Text.Json;
using System.Text.Json.Nodes;
using RealtimeMM.Capture;
using RealtimeMM.Replay;
using RealtimeMM.Scenes;

namespace RealtimeMM.Tests.Replay;

public class ReplayClipTests : TestBase
{
    [TestCase(ClipFormat.HuffYuv)]
    [TestCase(ClipFormat.Ffv1)]
    [TestCase(ClipFormat.Png)]
    public void RecordGeneratedClip_Replay_FramesTimestampsTruthAndPixelsMatch(ClipFormat format)
    {
        var (clip, scenes) = Clips.Write(Path.Combine(Temp, "clip"), frames: 24, format: format);
        using var source = ReplayClip.Open(clip);
        Assert.That(source.Info.Kind, Is.EqualTo(FrameSourceKind.ReplayClip));
        Assert.That(source.Info.FrameCount, Is.EqualTo(24));
        int n = 0;
        while (source.Read() is { } frame)
        {
            using (frame)
            {
                Assert.That(frame.Index, Is.EqualTo(n));
                // TimeSpan.FromSeconds keeps microseconds: the clip is exact to 1 µs
                Assert.That(frame.Timestamp.TotalMilliseconds, Is.EqualTo(n * 1000.0 / 30).Within(1e-3));
                Assert.That(frame.Timestamp, Is.EqualTo(source.Truth(n).Timestamp));
                using var expected = scenes[n].ToFrame(n, frame.Timestamp);
                Assert.That(frame.PixelsEqual(expected), Is.True, $"frame {n}: pixels differ from what was recorded (lossless format)");
                var truth = source.Truth(n);
                Assert.That(Json(truth.Objects), Is.EqualTo(Json(scenes[n].Objects)), $"frame {n} objects");
                Assert.That(Json(truth.Questions), Is.EqualTo(Json(scenes[n].Questions)), $"frame {n} questions");
                n++;
            }
        }
        Assert.That(n, Is.EqualTo(24));
    }

    static string Json<T>(T value) => JsonSerializer.Serialize(value);

    [Test]
    public void Mjpeg_Replay_PixelsCloseToRecorded()
    {
        var (clip, scenes) = Clips.Write(Path.Combine(Temp, "clip"), frames: 6, format: ClipFormat.Mjpeg);
        using var source = ReplayClip.Open(clip);
        double worst = 0;
        while (source.Read() is { } frame)
        {
            using (frame)
            {
                var a = frame.Pixels;
                var b = scenes[frame.Index].Bgr;
                double sum = 0;
                for (int i = 0; i < b.Length; i++)
                    sum += Math.Abs(a[i] - b[i]);
                worst = Math.Max(worst, sum / b.Length);
            }
        }
        TestContext.Out.WriteLine($"MJPEG mean abs error, worst frame: {worst:F2} levels");
        Assert.That(worst, Is.LessThan(4));
    }

    [Test]
    public void ClipWriter_DisposedWithoutComplete_LeavesNothing()
    {
        var scene = SceneGenerator.Render(1, 0, Clips.Small);
        using (var writer = ClipWriter.Create(Path.Combine(Temp, "clip")))
        {
            using var f = scene.ToFrame(0, TimeSpan.Zero);
            writer.Append(f);
        }
        Assert.That(Listing(Temp), Is.Empty);
    }

    [Test]
    public void ClipWriter_FrameSizeChanges_ThrowsAndLeavesNothing()
    {
        using (var writer = ClipWriter.Create(Path.Combine(Temp, "clip")))
        {
            using var a = SceneGenerator.Render(1, 0, Clips.Small).ToFrame(0, TimeSpan.Zero);
            using var b = SceneGenerator.Render(1, 1).ToFrame(1, TimeSpan.FromSeconds(1));
            writer.Append(a);
            Assert.That(() => writer.Append(b), Throws.ArgumentException.With.Message.Contains("320x240, the clip is 160x120"));
        }
        Assert.That(Listing(Temp), Is.Empty);
    }

    [Test]
    public void ClipWriter_DestinationExists_Throws()
    {
        Directory.CreateDirectory(Path.Combine(Temp, "clip"));
        Assert.That(() => ClipWriter.Create(Path.Combine(Temp, "clip")), Throws.InstanceOf<IOException>().With.Message.Contains("already exists"));
    }

    [Test]
    public void ClipWriter_NoFrames_CompleteThrows()
    {
        using var writer = ClipWriter.Create(Path.Combine(Temp, "clip"));
        Assert.That(() => writer.Complete(), Throws.InvalidOperationException.With.Message.Contains("no frames"));
    }

    /// <summary>Each way a sidecar can be wrong, and the field the error must name.</summary>
    static IEnumerable<TestCaseData> BadSidecars()
    {
        yield return Case("fewer frames than the video", j => { var f = j["frames"]!.AsArray(); f.RemoveAt(f.Count - 1); j["frame_count"] = f.Count; }, "frame_count");
        yield return Case("count disagrees with list", j => j["frame_count"] = 5, "frame_count");
        yield return Case("wrong width", j => j["width"] = 200, "width/height");
        yield return Case("timestamps go back", j => j["frames"]![3]!["timestamp_ms"] = 1.0, "frames[3].timestamp_ms");
        yield return Case("index out of order", j => j["frames"]![2]!["index"] = 7, "frames[2].index");
        yield return Case("video escapes the clip", j => j["video"] = "../frames.avi", "video");
        yield return Case("absolute video path", j => j["video"] = "/etc/passwd", "video");
        yield return Case("video missing", j => j["video"] = "nothere.avi", "video");
        yield return Case("box outside frame", j => j["frames"]![0]!["objects"]![0]!["box"] = new JsonArray(150, 100, 40, 40), "frames[0].objects[0].box");
        yield return Case("mask does not cover box", j => j["frames"]![0]!["objects"]![0]!["mask"]!["runs"] = new JsonArray(1, 2), "frames[0].objects[0].mask");
        yield return Case("wrong format", j => j["format"] = "something-else", "format");
        yield return Case("newer version", j => j["version"] = 9, "version");
        yield return Case("fps zero", j => j["fps"] = 0, "fps");
        yield return Case("box not 4 numbers", j => j["frames"]![0]!["objects"]![0]!["box"] = new JsonArray(1, 2, 3), "box");

        static TestCaseData Case(string name, Action<JsonObject> edit, string field) => new TestCaseData(edit, field).SetName($"Open_Sidecar_{name.Replace(' ', '_')}_ThrowsNaming({field})");
    }

    [TestCaseSource(nameof(BadSidecars))]
    public void Open_BadSidecar_ThrowsNamingFileAndField(Action<JsonObject> edit, string field)
    {
        var (clip, _) = Clips.Write(Path.Combine(Temp, "clip"), frames: 8);
        var path = Path.Combine(clip, ReplayClip.SidecarName);
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(json);
        File.WriteAllText(path, json.ToJsonString());
        var e = Assert.Throws<ReplayFormatException>(() =>
        {
            using var source = ReplayClip.Open(clip);
            while (source.Read() is { } f)
                f.Dispose();
        });
        TestContext.Out.WriteLine(e!.Message);
        Assert.That(e.Message, Does.StartWith(path + ": "));
        Assert.That(e.Message, Does.Contain(field));
        Assert.That(e.Message, Does.Not.Contain("\n"));
    }

    [Test]
    public void Open_SidecarNotJson_Throws()
    {
        var (clip, _) = Clips.Write(Path.Combine(Temp, "clip"), frames: 2);
        File.WriteAllText(Path.Combine(clip, ReplayClip.SidecarName), "{\"format\": \"rtmm-replay\", \"frames\": [");
        Assert.That(() => ReplayClip.Open(clip), Throws.TypeOf<ReplayFormatException>().With.Message.Contains("not a valid sidecar"));
    }

    [Test]
    public void Open_TruncatedVideo_ThrowsWhenTheFramesRunOut()
    {
        var (clip, _) = Clips.Write(Path.Combine(Temp, "clip"), frames: 30);
        var video = Path.Combine(clip, "frames.avi");
        var bytes = File.ReadAllBytes(video);
        File.WriteAllBytes(video, bytes[..(bytes.Length / 2)]);
        int read = 0;
        var e = Assert.Catch(() =>
        {
            using var source = ReplayClip.Open(clip);
            while (source.Read() is { } f)
            {
                f.Dispose();
                read++;
            }
        });
        TestContext.Out.WriteLine($"after {read} frames: {e!.GetType().Name}: {e.Message}");
        Assert.That(e, Is.InstanceOf<ReplayFormatException>().Or.InstanceOf<FrameSourceException>());
        Assert.That(e.Message, Does.Contain("truncated"));
        Assert.That(read, Is.LessThan(30));
    }
}
