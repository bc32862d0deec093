using RealtimeMM.Search;

namespace RealtimeMM.Tests.Search;

/// <summary>The index file: round trip, torn and damaged tails, resuming, refusing another model's index.</summary>
public class FrameIndexTests : TestBase
{
    internal static readonly FrameIndexHeader Header = new() { Model = "test-model", Fingerprint = "00112233445566778899aabbccddeeff", Dimensions = 8, Source = "clip" };

    internal static float[] Embedding(int i) => Enumerable.Range(0, 8).Select(k => MathF.Sin(i * 0.7f + k * 1.3f) + (k == i % 8 ? 2f : 0f)).ToArray();

    string Write(int records, int batch = 16)
    {
        string path = Path.Combine(Temp, "a.rtmmidx");
        using var w = FrameIndexWriter.Open(path, Header, batch);
        for (int i = 0; i < records; i++)
            w.Append(i * 3, i * 0.1, Embedding(i));
        return path;
    }

    [Test]
    public void Load_AfterWriting_HasEveryRecordNormalised()
    {
        string path = Write(100);
        var index = FrameIndex.Load(path);
        Assert.That(index.Count, Is.EqualTo(100));
        Assert.That(index.Recovered, Is.Null);
        Assert.That(index.Header, Is.EqualTo(Header));
        for (int i = 0; i < 100; i++)
        {
            Assert.That(index.Store.FrameAt(i), Is.EqualTo(i * 3));
            Assert.That(index.Store.SecondsAt(i), Is.EqualTo(i * 0.1));
            var e = Embedding(i);
            float norm = MathF.Sqrt(e.Sum(x => x * x));
            Assert.That(index.Store.EmbeddingAt(i).ToArray(), Is.EqualTo(e.Select(x => x / norm).ToArray()).Within(1e-6f));
        }
    }

    [Test]
    public void Writer_BatchNotFull_NothingOnDiskUntilFlush()
    {
        string path = Path.Combine(Temp, "a.rtmmidx");
        using var w = FrameIndexWriter.Open(path, Header, batchSize: 16, flushInterval: TimeSpan.FromHours(1));
        for (int i = 0; i < 20; i++)
            w.Append(i, i, Embedding(i));
        Assert.That((w.Count, w.Flushed, FrameIndex.Load(path).Count), Is.EqualTo((20L, 16L, 16)));
        w.Flush();
        Assert.That(FrameIndex.Load(path).Count, Is.EqualTo(20));
    }

    [Test]
    public void Load_TornLastRecord_KeepsTheWholeOnesAndSaysWhatWasDropped()
    {
        string path = Write(40);
        using (var f = new FileStream(path, FileMode.Append))
            f.Write(new byte[30]); // a kill in the middle of writing record 41
        var index = FrameIndex.Load(path);
        Assert.That(index.Count, Is.EqualTo(40));
        Assert.That(index.Recovered, Is.Not.Null);
        Assert.That(index.Recovered!.DroppedBytes, Is.EqualTo(30));
        Assert.That(index.Recovered.Reason, Does.Contain("cut short"));
        TestContext.Out.WriteLine(index.Recovered);
    }

    [Test]
    public void Load_DamagedRecord_StopsBeforeIt()
    {
        string path = Write(40);
        var bytes = File.ReadAllBytes(path);
        int size = 8 + 8 + 4 * 8 + 8;
        bytes[bytes.Length - 15 * size + 20] ^= 0x40; // inside record 26's embedding
        File.WriteAllBytes(path, bytes);
        var index = FrameIndex.Load(path);
        Assert.That(index.Count, Is.EqualTo(25));
        Assert.That(index.Recovered!.Reason, Does.Contain("CRC"));
        Assert.That(index.Recovered.DroppedBytes, Is.EqualTo(15L * size));
    }

    [Test]
    public void Open_AfterATornTail_CutsItAndAppendsAfterTheLastWholeRecord()
    {
        string path = Write(40);
        using (var f = new FileStream(path, FileMode.Append))
            f.Write(new byte[30]);
        using (var w = FrameIndexWriter.Open(path, Header))
        {
            Assert.That(w.Recovered, Is.Not.Null);
            Assert.That((w.Count, w.LastFrame), Is.EqualTo((40L, 39L * 3)));
            for (int i = 40; i < 50; i++)
                w.Append(i * 3, i * 0.1, Embedding(i));
        }
        var index = FrameIndex.Load(path);
        Assert.That(index.Recovered, Is.Null);
        Assert.That(Enumerable.Range(0, index.Count).Select(r => index.Store.FrameAt(r)), Is.EqualTo(Enumerable.Range(0, 50).Select(i => (long)i * 3)));
    }

    [Test]
    public void Open_IndexOfAnotherModel_RefusesWithTheReason()
    {
        string path = Write(5);
        var other = Header with { Fingerprint = "ffeeddccbbaa99887766554433221100", Model = "other-model" };
        var e = Assert.Throws<FrameIndexException>(() => FrameIndexWriter.Open(path, other));
        Assert.That(e!.Message, Does.StartWith(path).And.Contain("test-model").And.Contain("other-model"));
        Assert.That(FrameIndex.Load(path).Count, Is.EqualTo(5), "the refused open must not touch the file");
    }

    [TestCase("")]
    [TestCase("RIFF....WAVEfmt ")]
    [TestCase("RTMMIDX\u0001\u0005\u0000\u0000\u0000{\"mo")]
    public void Load_NotAnIndex_ThrowsNamingTheFile(string content)
    {
        string path = Path.Combine(Temp, "x.rtmmidx");
        File.WriteAllText(path, content);
        var e = Assert.Throws<FrameIndexException>(() => FrameIndex.Load(path));
        TestContext.Out.WriteLine(e!.Message);
        Assert.That(e.Message, Does.StartWith(path));
        Assert.That(e.Message, Does.Not.Contain("\n"));
    }

    [Test]
    public void Append_WrongSizeOrTime_Throws()
    {
        using var w = FrameIndexWriter.Open(Path.Combine(Temp, "a.rtmmidx"), Header);
        Assert.Throws<ArgumentException>(() => w.Append(0, 0, new float[7]));
        Assert.Throws<ArgumentOutOfRangeException>(() => w.Append(0, double.NaN, Embedding(0)));
        Assert.That(w.Count, Is.Zero);
    }
}
