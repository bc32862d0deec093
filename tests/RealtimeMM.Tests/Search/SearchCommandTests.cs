using System.Diagnostics;
using System.Text.Json;
using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;
using RealtimeMM.Scenes;
using RealtimeMM.Search;
using RealtimeMM.Tests.Cli;

namespace RealtimeMM.Tests.Search;

/// <summary><c>rtmm index</c> and <c>rtmm search</c> on generated clips with ground truth, a kill while indexing, bad queries.</summary>
public class SearchCommandTests : TestBase
{
    [Test]
    public void IndexThenSearch_FindsFramesThatShowTheObject()
    {
        var (clip, scenes) = Clips.Write(Path.Combine(Temp, "clip"), seed: 11, frames: 90, options: Clips.Small with { Width = 320, Height = 240 });
        var r = Rtmm.Run("index", clip, "--every", "0", "--change", "0", "--json", "--device", "Cpu");
        Assert.That(r.ExitCode, Is.Zero, r.ToString());
        var summary = JsonDocument.Parse(r.Out).RootElement;
        Assert.That(summary.GetProperty("frames_stored").GetInt64(), Is.EqualTo(90));
        Assert.That(File.Exists(FrameIndex.PathFor(clip)), Is.True);

        // ask for an object the clip shows in its first frame
        var o = scenes[0].Objects[0];
        string text = $"{SceneWorld.Article(o.Color)} {o.Color} {o.Class}";
        r = Rtmm.Run("search", clip, "--text", text, "--top", "3", "--gap", "0", "--json", "--thumbs", Path.Combine(Temp, "thumbs"));
        Assert.That(r.ExitCode, Is.Zero, r.ToString());
        var hits = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        TestContext.Out.WriteLine(r.Out);
        Assert.That(hits, Is.Not.Empty);
        Assert.That(hits[0].GetProperty("rank").GetInt32(), Is.EqualTo(1));
        Assert.That(hits.All(h => h.GetProperty("yes").GetDouble() >= 0.5), Is.True, "re-ranked hits need the model's yes");
        int shown = hits.Count(h => scenes[h.GetProperty("frame").GetInt32()].Objects.Any(x => x.Class == o.Class && x.Color == o.Color));
        Assert.That(shown, Is.EqualTo(hits.Length), $"a hit does not show {text}");

        // from the index alone (no clip to re-rank from): ranked by similarity, above the calibrated threshold
        r = Rtmm.Run("search", FrameIndex.PathFor(clip), "--text", text, "--rerank", "0", "--json");
        Assert.That(r.ExitCode, Is.Zero, r.ToString());
        var plain = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.That(plain.All(h => h.TryGetProperty("similarity", out var sim) && sim.GetDouble() > 0), Is.True, r.Out);
        foreach (var h in hits)
            Assert.That(new FileInfo(h.GetProperty("thumbnail").GetString()!).Length, Is.GreaterThan(1000));
    }

    [Test]
    public void SearchEval_GeneratedScenes_RecallByEmbeddingAndReranked()
    {
        // 150 independent generated scenes as a clip, every frame indexed; one query per frame from the ground truth
        string clip = Path.Combine(Temp, "scenes");
        Assert.That(Rtmm.Run("scene", "--seed", "77", "--count", "150", "--out", clip).ExitCode, Is.Zero);
        Assert.That(Rtmm.Run("index", clip, "--every", "0", "--change", "0", "--device", "Cpu").ExitCode, Is.Zero);
        var r = Rtmm.Run("search", clip, "--eval", "--json");
        Assert.That(r.ExitCode, Is.Zero, r.ToString());
        var j = JsonDocument.Parse(r.Out).RootElement;
        double r1 = j.GetProperty("r1").GetDouble(), r5 = j.GetProperty("r5").GetDouble();
        double rr1 = j.GetProperty("reranked").GetProperty("r1").GetDouble(), rr5 = j.GetProperty("reranked").GetProperty("r5").GetDouble();
        TestContext.Out.WriteLine($"{j.GetProperty("queries")} queries over {j.GetProperty("frames")} indexed frames: embedding R@1 {r1}%, R@5 {r5}%; re-ranked R@1 {rr1}%, R@5 {rr5}%");
        Assert.That(j.GetProperty("frames").GetInt32(), Is.EqualTo(150));
        Assert.That(r5, Is.GreaterThanOrEqualTo(r1));
        // the issue's targets (R@1 >= 90%, R@5 >= 98%), met by the default search (re-ranked); 1,000 frames in docs/search.md
        Assert.That(rr1, Is.GreaterThanOrEqualTo(90));
        Assert.That(rr5, Is.GreaterThanOrEqualTo(98));

        var viaIndex = Rtmm.Run("search", FrameIndex.PathFor(clip), "--eval", "--rerank", "0", "--json");
        Assert.That(viaIndex.ExitCode, Is.Zero, "an index file names its clip: " + viaIndex);
        Assert.That(JsonDocument.Parse(viaIndex.Out).RootElement.GetProperty("r1").GetDouble(), Is.EqualTo(r1), "the same queries, by embedding");
        string plain = Path.Combine(Temp, "plain");
        Directory.CreateDirectory(plain);
        File.Copy(Path.Combine(clip, "frames", "000000.png"), Path.Combine(plain, "a.png"));
        Assert.That(Rtmm.Run("index", plain, "--device", "Cpu").ExitCode, Is.Zero);
        var bad = Rtmm.Run("search", plain, "--eval");
        Assert.That(bad.ExitCode, Is.Not.Zero);
        Assert.That(bad.Error, Does.Contain("--eval").And.Contain("ground truth"));
    }

    [Test]
    public void ReplayIndex_StoresWhatItAnswers_SameEmbeddingsAsRtmmIndex()
    {
        var (clip, _) = Clips.Write(Path.Combine(Temp, "clip"), seed: 12, frames: 60, options: Clips.Small with { Width = 320, Height = 240 });
        string questions = Path.Combine(Temp, "q.txt");
        File.WriteAllText(questions, "how many cars are there\n");
        var r = Rtmm.Run("replay", clip, "--questions", questions, "--index", "--json", "--device", "Cpu");
        Assert.That(r.ExitCode, Is.Zero, r.ToString());
        var stored = System.Text.RegularExpressions.Regex.Match(r.Error, @"(\d+) frames indexed");
        Assert.That(stored.Success, Is.True, r.Error);
        var replayed = FrameIndex.Load(FrameIndex.PathFor(clip));
        Assert.That(replayed.Count, Is.EqualTo(long.Parse(stored.Groups[1].Value)).And.GreaterThan(0));

        // rtmm index with the same (default) sampling stores the same frames with the same embeddings
        string alone = Path.Combine(Temp, "alone.rtmmidx");
        Assert.That(Rtmm.Run("index", clip, "--out", alone, "--device", "Cpu").ExitCode, Is.Zero);
        var indexed = FrameIndex.Load(alone);
        Assert.That(Enumerable.Range(0, (int)replayed.Count).Select(replayed.Store.FrameAt),
            Is.EqualTo(Enumerable.Range(0, (int)indexed.Count).Select(indexed.Store.FrameAt)));
        double worst = 0;
        for (int row = 0; row < replayed.Count; row++)
            for (int k = 0; k < replayed.Store.Dimensions; k++)
                worst = Math.Max(worst, Math.Abs(replayed.Store.EmbeddingAt(row)[k] - indexed.Store.EmbeddingAt(row)[k]));
        TestContext.Out.WriteLine($"replay --index stored {replayed.Count} of 60 frames; max |difference| from rtmm index's embeddings {worst:E2}");
        Assert.That(worst, Is.LessThan(1e-5));

        var bad = Rtmm.Run("replay", clip, "--index");
        Assert.That(bad.ExitCode, Is.Not.Zero);
        Assert.That(bad.Error, Does.Contain("--index go with --questions"));

        // rtmm record --index: the index arrives inside the recorded clip, numbered as the clip's frames
        string recorded = Path.Combine(Temp, "recorded");
        r = Rtmm.Run("record", clip, "--out", recorded, "--index", "--json");
        Assert.That(r.ExitCode, Is.Zero, r.ToString());
        var rec = FrameIndex.Load(FrameIndex.PathFor(recorded));
        Assert.That(rec.Count, Is.EqualTo(JsonDocument.Parse(r.Out).RootElement.GetProperty("frames_indexed").GetInt64()).And.GreaterThan(0));
        Assert.That(rec.Header.Source, Is.EqualTo(Path.GetFullPath(recorded)), "the header names the clip, for re-ranking and thumbnails");
        string again = Path.Combine(Temp, "again.rtmmidx");
        Assert.That(Rtmm.Run("index", recorded, "--out", again, "--device", "Cpu").ExitCode, Is.Zero);
        var afterwards = FrameIndex.Load(again);
        Assert.That(Enumerable.Range(0, (int)rec.Count).Select(rec.Store.FrameAt), Is.EqualTo(Enumerable.Range(0, (int)afterwards.Count).Select(afterwards.Store.FrameAt)));
    }

    [TestCase("", "empty")]
    [TestCase("a purple cat", "'cat'")]
    public void Search_QueryTheModelCannotSearch_FailsSayingWhy(string text, string problem)
    {
        var (clip, _) = Clips.Write(Path.Combine(Temp, "clip"), frames: 8);
        Assert.That(Rtmm.Run("index", clip, "--device", "Cpu").ExitCode, Is.Zero);
        var r = Rtmm.Run("search", clip, "--text", text);
        Assert.That(r.ExitCode, Is.Not.Zero);
        Assert.That(r.ErrorLines, Has.Length.EqualTo(1));
        Assert.That(r.Error, Does.Contain("--text").And.Contain(problem));
    }

    [Test]
    public void Search_NoIndex_SaysHowToMakeOne()
    {
        var (clip, _) = Clips.Write(Path.Combine(Temp, "clip"), frames: 4);
        var r = Rtmm.Run("search", clip, "--text", "a red car");
        Assert.That(r.ExitCode, Is.Not.Zero);
        Assert.That(r.Error, Does.Contain("rtmm index"));
    }

    [Test]
    public void Search_IndexOfAnotherModel_Refused()
    {
        var (clip, _) = Clips.Write(Path.Combine(Temp, "clip"), frames: 4);
        using (var w = FrameIndexWriter.Open(FrameIndex.PathFor(clip), FrameIndexTests.Header with { Dimensions = 128 }))
            w.Append(0, 0, Enumerable.Repeat(1f, 128).ToArray());
        var r = Rtmm.Run("search", clip, "--text", "a red car");
        Assert.That(r.ExitCode, Is.Not.Zero);
        Assert.That(r.Error, Does.Contain("test-model").And.Contain("index the clip again"));
    }

    [Test]
    public void Index_KilledWhileIndexing_ReopensWithEveryFlushedFrameAndResumes()
    {
        var (clip, _) = Clips.Write(Path.Combine(Temp, "clip"), frames: 400);
        string index = FrameIndex.PathFor(clip);
        string rtmm = Path.Combine(AppContext.BaseDirectory, "rtmm");
        using var p = Process.Start(new ProcessStartInfo(rtmm, $"index \"{clip}\" --every 0 --change 0 --device Cpu") { RedirectStandardError = true, RedirectStandardOutput = true })!;
        p.BeginErrorReadLine();
        p.BeginOutputReadLine();
        // kill it once three batches are on disk, mid-stream
        long header = 0, recordSize = 8 + 8 + 4 * 128 + 8, seenBeforeKill = 0;
        var clock = Stopwatch.StartNew();
        while (!p.HasExited && clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (File.Exists(index) && header == 0)
                header = new FileInfo(index).Length; // header only, when it first appears
            if (header > 0 && (new FileInfo(index).Length - header) / recordSize >= 48)
            {
                seenBeforeKill = (new FileInfo(index).Length - header) / recordSize;
                p.Kill();
                break;
            }
            Thread.Sleep(5);
        }
        p.WaitForExit();
        Assert.That(seenBeforeKill, Is.GreaterThanOrEqualTo(48), "the indexer finished or stalled before it could be killed");
        var after = FrameIndex.Load(index);
        TestContext.Out.WriteLine($"killed with {seenBeforeKill} records seen on disk; reopened with {after.Count}{(after.Recovered is { } rec ? ", " + rec : "")}");
        Assert.That(after.Count, Is.GreaterThanOrEqualTo(seenBeforeKill));
        Assert.That(Enumerable.Range(0, after.Count).Select(i => after.Store.FrameAt(i)), Is.EqualTo(Enumerable.Range(0, after.Count).Select(i => (long)i)));

        var r = Rtmm.Run("index", clip, "--every", "0", "--change", "0", "--device", "Cpu");
        Assert.That(r.ExitCode, Is.Zero, r.ToString());
        Assert.That(r.Error, Does.Contain("resuming after frame"));
        var full = FrameIndex.Load(index);
        Assert.That(full.Recovered, Is.Null);
        Assert.That(Enumerable.Range(0, full.Count).Select(i => full.Store.FrameAt(i)), Is.EqualTo(Enumerable.Range(0, 400).Select(i => (long)i)));
    }
}
