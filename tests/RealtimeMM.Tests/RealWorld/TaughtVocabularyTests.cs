using System.Text;
using RealtimeMM.Features;
using RealtimeMM.Teaching;

namespace RealtimeMM.Tests.RealWorld;

/// <summary>The vocabulary file: reloads what was taught, writes atomically, and opens a damaged file with what was whole.</summary>
public class TaughtVocabularyTests : TestBase
{
    const string Features = "resnet18-imagenet/stage3/640x480";
    const int Channels = 8;

    static TaughtExample Example(string name, int seed, bool negative = false)
    {
        var rng = new Random(seed);
        float[] V() => Enumerable.Range(0, Channels).Select(_ => (float)rng.NextDouble()).ToArray();
        return new TaughtExample(name, V(), [V(), V()], new BoxF(seed, 2 * seed, 30, 60), 768, 576, negative, $"frame {seed}", new DateTimeOffset(2026, 12, 3, 9, seed % 60, 0, TimeSpan.Zero));
    }

    string File => Path.Combine(Temp, "names.rtmm-vocab");

    [Test]
    public void TaughtNames_AreThereAfterReopening()
    {
        var v = TaughtVocabulary.Open(File, Features, Channels);
        Assert.That(System.IO.File.Exists(File), Is.False, "nothing is written before the first change");
        v.Add(Example("Red  Mug", 1));
        v.Add(Example("person", 2));
        v.Add(Example("person", 3));
        v.Add(Example("person", 4, negative: true));
        var again = TaughtVocabulary.Open(File, Features, Channels);
        Assert.That(again.Names, Is.EqualTo(new[] { "red mug", "person" }));
        Assert.That(again.Dropped, Is.Empty);
        var person = again.ExamplesOf("PERSON");
        Assert.That(person.Select(e => e.Negative), Is.EqualTo(new[] { false, false, true }));
        var original = Example("person", 3);
        Assert.That(person[1].Vector, Is.EqualTo(original.Vector));
        Assert.That(person[1].Background.SelectMany(b => b), Is.EqualTo(original.Background.SelectMany(b => b)));
        Assert.That(person[1].Box, Is.EqualTo(original.Box));
        Assert.That(person[1].Taught, Is.EqualTo(original.Taught));
        Assert.That(person[1].Views, Is.Null, "an example without views");
        Assert.That(Listing(Temp), Is.EqualTo(new[] { "names.rtmm-vocab" }), "no temporary file is left");
    }

    [Test]
    public void ViewsOfAnExample_AreThereAfterReopening()
    {
        var v = TaughtVocabulary.Open(File, Features, Channels);
        var plain = Example("van", 5);
        var larger = new TaughtView(1.5, Example("van", 6).Vector, Example("van", 7).Background);
        v.Add(plain with { Views = [larger] });
        var e = TaughtVocabulary.Open(File, Features, Channels).ExamplesOf("van").Single();
        Assert.That(e.Views, Has.Count.EqualTo(1));
        Assert.That((e.Views![0].Scale, e.Views[0].Vector), Is.EqualTo((1.5, larger.Vector)));
        Assert.That(e.Views[0].Background.SelectMany(b => b), Is.EqualTo(larger.Background.SelectMany(b => b)));
        var wrong = new TaughtView(1.5, new float[Channels + 1], []);
        Assert.That(() => v.Add(plain with { Views = [wrong] }), Throws.ArgumentException.With.Message.Contains($"{Channels} numbers"));
        Assert.That(v.Examples, Has.Count.EqualTo(1), "the bad example was not added");
    }

    [Test]
    public void ForgetAndRename_AreWritten()
    {
        var v = TaughtVocabulary.Open(File, Features, Channels);
        v.Add(Example("cup", 1));
        v.Add(Example("dog", 2));
        Assert.That(v.Forget("cup"), Is.True);
        Assert.That(v.Forget("cup"), Is.False);
        v.Rename("dog", "rex");
        Assert.That(TaughtVocabulary.Open(File, Features, Channels).Names, Is.EqualTo(new[] { "rex" }));
        v.Add(Example("cat", 3));
        var e = Assert.Throws<ArgumentException>(() => v.Rename("cat", "Rex"));
        Assert.That(e!.Message, Does.Contain("'rex' is taught already"));
        Assert.That(Assert.Throws<ArgumentException>(() => v.Rename("bird", "tweety"))!.Message, Does.Contain("'bird' was never taught"));
    }

    [Test]
    public void CutShortFile_OpensWithWhatWasWhole_AndKeepsTheDamagedCopy()
    {
        var v = TaughtVocabulary.Open(File, Features, Channels);
        v.Add(Example("cup", 1));
        v.Add(Example("dog", 2));
        v.Add(Example("dog", 3));
        var bytes = System.IO.File.ReadAllBytes(File);
        System.IO.File.WriteAllBytes(File, bytes[..^40]); // a write that stopped part way through the last line
        var reopened = TaughtVocabulary.Open(File, Features, Channels);
        TestContext.Out.WriteLine(string.Join("\n", reopened.Dropped));
        Assert.That(reopened.Examples, Has.Count.EqualTo(2));
        Assert.That(reopened.Dropped, Is.EqualTo(new[] { "line 4 (an example of 'dog'): cut short (the file ends mid-line)" }));
        reopened.Add(Example("cat", 4));
        Assert.That(System.IO.File.ReadAllBytes(File + ".damaged"), Is.EqualTo(bytes[..^40]), "the damaged file is kept before it is overwritten");
        Assert.That(TaughtVocabulary.Open(File, Features, Channels).Names, Is.EqualTo(new[] { "cup", "dog", "cat" }));
    }

    [Test]
    public void CorruptLine_IsDroppedByName_TheRestKept()
    {
        var v = TaughtVocabulary.Open(File, Features, Channels);
        v.Add(Example("cup", 1));
        v.Add(Example("dog", 2));
        var lines = System.IO.File.ReadAllLines(File);
        var chars = lines[1].ToCharArray();
        int at = lines[1].IndexOf("\"vector\":\"", StringComparison.Ordinal) + 12;
        chars[at] = chars[at] == 'A' ? 'B' : 'A'; // one flipped character in a vector
        lines[1] = new string(chars);
        System.IO.File.WriteAllLines(File, lines);
        var reopened = TaughtVocabulary.Open(File, Features, Channels);
        Assert.That(reopened.Names, Is.EqualTo(new[] { "dog" }));
        Assert.That(reopened.Dropped, Is.EqualTo(new[] { "line 2 (an example of 'cup'): its checksum does not match" }));
    }

    [TestCase("garbage", "its first line (the header) is damaged")]
    [TestCase("other-features", "its vectors come from 'resnet18-imagenet/stage4/448x352'")]
    [TestCase("newer", "version 2 is newer than this SDK reads (1)")]
    public void UnusableFile_ThrowsNamingFileAndProblem_AndIsLeftAlone(string how, string expected)
    {
        var v = TaughtVocabulary.Open(File, how == "other-features" ? "resnet18-imagenet/stage4/448x352" : Features, Channels);
        v.Add(Example("cup", 1));
        if (how == "garbage")
            System.IO.File.WriteAllText(File, "{\"format\":\"rtmm-voc" + System.IO.File.ReadAllText(File)[30..]);
        if (how == "newer")
        {
            // a newer SDK's header, with its checksum
            var header = "{\"format\":\"rtmm-vocabulary\",\"version\":2,\"features\":\"" + Features + "\",\"channels\":8}";
            uint crc = System.IO.Hashing.Crc32.HashToUInt32(Encoding.UTF8.GetBytes(header));
            var lines = System.IO.File.ReadAllLines(File);
            lines[0] = header[..^1] + $",\"crc\":\"{crc:x8}\"}}";
            System.IO.File.WriteAllLines(File, lines);
        }
        var before = System.IO.File.ReadAllBytes(File);
        var e = Assert.Throws<VocabularyException>(() => TaughtVocabulary.Open(File, Features, Channels));
        TestContext.Out.WriteLine(e!.Message);
        Assert.That(e.Message, Does.StartWith(File + ": ").And.Contain(expected));
        Assert.That(System.IO.File.ReadAllBytes(File), Is.EqualTo(before));
    }

    [Test]
    public void FailedWrite_LeavesFileAndMemoryAsTheyWere()
    {
        var v = TaughtVocabulary.Open(File, Features, Channels);
        v.Add(Example("cup", 1));
        var before = System.IO.File.ReadAllBytes(File);
        Directory.CreateDirectory(File + ".writing"); // the temporary file cannot be created
        Assert.Throws<UnauthorizedAccessException>(() => v.Add(Example("dog", 2)));
        Assert.That(v.Names, Is.EqualTo(new[] { "cup" }));
        Assert.That(System.IO.File.ReadAllBytes(File), Is.EqualTo(before));
    }
}
