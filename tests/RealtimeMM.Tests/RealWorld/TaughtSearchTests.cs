using System.Text;
using System.Text.Json;
using OpenCvSharp;
using RealtimeMM.Answering;
using RealtimeMM.Features;
using RealtimeMM.Frames;
using RealtimeMM.Gpu;
using RealtimeMM.Search;
using RealtimeMM.Session;
using RealtimeMM.Teaching;
using RealtimeMM.Tests.Cli;

namespace RealtimeMM.Tests.RealWorld;

/// <summary>Text search by taught name: the recorder keeps each taught name's score beside the index (TaughtIndex).</summary>
public class TaughtSearchTests : TestBase
{
    /// <summary>Street frames of the test set (the van parked in each) and crops of their empty grass (no van, no person), alternating.</summary>
    static List<(Mat Frame, bool Van)> Frames(int count)
    {
        var crop = new Rect(0, 330, 320, 240);
        var list = new List<(Mat, bool)>();
        foreach (var f in Footage.Frames.Where(f => !f.AnyPeople.Any(b => b.X < crop.Right && b.Right > crop.X && b.Y < crop.Bottom && b.Bottom > crop.Y)).Take(count))
        {
            var m = Footage.Read(f.File);
            list.Add((m.Clone(), true));
            list.Add((new Mat(m, crop).Clone(), false));
            m.Dispose();
        }
        return list;
    }

    [Test]
    public void Recorder_WithTaughtNames_SearchFindsTheFramesThatShowThem()
    {
        string index = Path.Combine(Temp, "street.rtmmidx");
        using var answerer = QuestionAnswerer.Open(device: DevicePreference.Cpu);
        using var taught = TaughtAnswerer.Open(null, answerer.Bundle.Manifest.World, new ImageFeatureOptions { Device = DevicePreference.Cpu });
        answerer.AddAnswerer(taught);
        using (var m = Footage.Read(Footage.Teach[1].File))
            taught.Teach("van", m.AsImageView(), Footage.Teach[1].Boxes[0]);
        var frames = Frames(6);
        using (var recorder = new FrameIndexRecorder(index, answerer.Bundle, "street", new FrameSampler { Interval = 0, StaticInterval = 0 }, renumber: false) { Taught = taught })
            for (int i = 0; i < frames.Count; i++)
            {
                using var encoded = answerer.Encode(frames[i].Frame.AsImageView());
                Assert.That(recorder.Offer(frames[i].Frame.AsImageView(), i, 5.0 * i, encoded), Is.True, $"frame {i} stored");
            }
        var names = TaughtIndex.Load(TaughtIndex.PathFor(index));
        Assert.That((names.Entries.Count, names.Names, names.Dropped), Is.EqualTo((frames.Count, new[] { "van" }, 0)));
        var found = names.Find("a white van", new SearchOptions { Top = 20 })!;
        TestContext.Out.WriteLine($"'a white van': {string.Join(", ", found.Hits.Select(h => $"frame {h.FrameIndex} ({h.Score:F3})"))}; best {found.BestScore:F3}");
        var expected = Enumerable.Range(0, frames.Count).Where(i => frames[i].Van).Select(i => (long)i).ToArray();
        Assert.That(found.Matched, Is.True);
        Assert.That(found.Hits.Select(h => h.FrameIndex), Is.EquivalentTo(expected), "every street frame, no grass");
        Assert.That(found.Hits.Select(h => h.Score), Is.Ordered.Descending);
        var later = names.Find("the van", new SearchOptions { From = 30 })!;
        Assert.That(later.Hits.Select(h => h.FrameIndex), Is.EquivalentTo(new long[] { 6, 8, 10 }), "from 30 s on");
        var apart = names.Find("the van", new SearchOptions { From = 30, MinGapSeconds = 12 })!;
        Assert.That(apart.Hits, Has.Count.EqualTo(2), "frame 8 (40 s) is within 12 s of a better hit");
        Assert.That(apart.Hits.Select(h => h.FrameIndex), Does.Not.Contain(8L));
        Assert.That(names.Find("a red car"), Is.Null, "not a taught name: the embeddings answer it");
        foreach (var (m, _) in frames)
            m.Dispose();
    }

    [Test]
    public async Task Session_WithIndexAndVocabulary_RecordsTaughtNamesForSearch()
    {
        string index = Path.Combine(Temp, "session.rtmmidx");
        var options = new RealtimeSessionOptions
        {
            Device = DevicePreference.Cpu, VocabularyPath = Path.Combine(Temp, "names.vocab"), IndexPath = index,
            IndexSampling = new FrameSampler { Interval = 0, StaticInterval = 0 },
        };
        var frames = Frames(2);
        await using (var session = RealtimeSession.Create(options))
        {
            using (var m = Footage.Read(Footage.Teach[1].File))
            {
                await session.AskAbout(m, "is there a car");
                session.TeachFromLatest("van", Footage.Teach[1].Boxes[0]);
            }
            foreach (var (m, _) in frames)
            {
                await session.AskAbout(m, "is there a van"); // the frame is processed (and offered to the index)
            }
        }
        var names = TaughtIndex.Load(TaughtIndex.PathFor(index));
        Assert.That((FrameIndex.Load(index).Count, names.Entries.Count), Is.EqualTo((frames.Count + 1, frames.Count)), "every frame indexed; a line for each after the van was taught");
        var found = names.Find("van", new SearchOptions { MinGapSeconds = 0, Top = 10 })!;
        Assert.That(found.Hits, Has.Count.EqualTo(frames.Count(f => f.Van)), "the street frames, not the grass");
        foreach (var (m, _) in frames)
            m.Dispose();
    }

    [Test]
    public void TornLastLine_IsDroppedAndCutOffWhenAppendingAgain()
    {
        string path = Path.Combine(Temp, "x.rtmmidx.taught");
        using (var w = TaughtIndexWriter.Open(path, "features-a"))
        {
            w.Append(0, 0, new Dictionary<string, float> { ["van"] = 0.2f });
            w.Append(1, 1, new Dictionary<string, float> { ["van"] = 0.01f });
        }
        File.AppendAllText(path, "{\"frame\":2,\"seconds\":2,\"na");
        var torn = TaughtIndex.Load(path);
        Assert.That((torn.Entries.Count, torn.Dropped), Is.EqualTo((2, 1)));
        using (var w = TaughtIndexWriter.Open(path, "features-a"))
            w.Append(2, 2, new Dictionary<string, float> { ["van"] = 0.3f });
        var mended = TaughtIndex.Load(path);
        Assert.That((mended.Entries.Count, mended.Dropped), Is.EqualTo((3, 0)));
        Assert.That(mended.Find("van", new SearchOptions { MinGapSeconds = 0 })!.Hits.Select(h => h.FrameIndex), Is.EqualTo(new long[] { 2, 0 }));
        var other = Assert.Throws<FrameIndexException>(() => TaughtIndexWriter.Open(path, "features-b"));
        Assert.That(other!.Message, Is.EqualTo($"{path}: its scores come from 'features-a', the taught names now from 'features-b'"));
        File.WriteAllText(path, "garbage\n");
        Assert.That(Assert.Throws<FrameIndexException>(() => TaughtIndex.Load(path))!.Message, Does.EndWith("its first line (the header) is damaged"));
    }

    [Test]
    public void Rtmm_IndexWithVocabulary_SearchByTaughtName()
    {
        string folder = Path.Combine(Temp, "street");
        Directory.CreateDirectory(folder);
        var frames = Frames(3);
        for (int i = 0; i < frames.Count; i++)
        {
            // the same size for every image of the folder
            using var sized = frames[i].Frame.Resize(new Size(768, 576));
            Cv2.ImWrite(Path.Combine(folder, $"{i:00}.png"), sized);
        }
        string vocabulary = Path.Combine(Temp, "names.vocab");
        var taught = Rtmm.Run("teach", "--vocabulary", vocabulary, "--name", "van", "--box", "652,44,73,56", "--image", Path.Combine(Footage.Folder, Footage.Teach[1].File), "--device", "Cpu");
        Assert.That(taught.ExitCode, Is.Zero, taught.ToString());
        var indexed = Rtmm.Run("index", folder, "--vocabulary", vocabulary, "--every", "0", "--static", "0", "--json", "--device", "Cpu");
        Assert.That(indexed.ExitCode, Is.Zero, indexed.ToString());
        Assert.That(JsonDocument.Parse(indexed.Out).RootElement.GetProperty("taught_names").GetString(), Does.EndWith(".rtmmidx.taught"));
        var search = Rtmm.Run("search", FrameIndex.PathFor(folder), "--text", "is there a van", "--gap", "0", "--top", "10", "--json");
        Assert.That(search.ExitCode, Is.Zero, search.ToString());
        var hits = search.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.That(hits.Select(h => h.GetProperty("answerer").GetString()), Is.All.EqualTo("taught-examples"));
        Assert.That(hits.Select(h => h.GetProperty("frame").GetInt64()), Is.EquivalentTo(new long[] { 0, 2, 4 }), "the street frames, not the grass");
        var none = Rtmm.Run("search", FrameIndex.PathFor(folder), "--text", "a van", "--to", "-1");
        Assert.That((none.ExitCode, none.Out.Trim()), Is.EqualTo((0, "no frame in the time range was scored for 'van' (6 frames searched, by taught name)")));
        foreach (var (m, _) in frames)
            m.Dispose();
    }
}
