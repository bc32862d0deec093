using System.Diagnostics;
using System.Text;
using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;
using RealtimeMM.Replay;
using RealtimeMM.Speech;

namespace RealtimeMM.Tests.Reliability;

/// <summary>
/// Every parser of outside input gets thousands of mutated inputs (RTMM_FUZZ_COUNT, default 10,000
/// each; seeded, so a failure reproduces): only the library's typed exceptions may come out, each
/// input must finish quickly, and nothing may allocate from a size field beyond the file.
/// A failing input is kept under the test's attachments.
/// </summary>
[Category("Fuzz")]
public class FuzzTests : TestBase
{
    static int Count => int.TryParse(Environment.GetEnvironmentVariable("RTMM_FUZZ_COUNT"), out int n) ? n : 10_000;

    [Test]
    public void Manifest_Mutated_OnlyTypedErrors() =>
        Fuzz(File.ReadAllBytes(Path.Combine(ModelBundle.DefaultFolder, "manifest.json")), "manifest.json",
            path => BundleManifest.Load(path), typeof(ModelBundleException));

    [Test]
    public void FusionWeights_Mutated_OnlyTypedErrors()
    {
        var manifest = BundleManifest.Load(Path.Combine(ModelBundle.DefaultFolder, "manifest.json"));
        // the header and the start of the data: where the size fields are
        var whole = File.ReadAllBytes(Path.Combine(ModelBundle.DefaultFolder, "fusion.safetensors"));
        Fuzz(whole, "fusion.safetensors", path => FusionWeights.Load(path, manifest), typeof(ModelBundleException), mutateWithin: 8 + (int)BitConverter.ToUInt64(whole, 0) + 64);
    }

    [Test]
    public void ReplaySidecar_Mutated_OnlyTypedErrors()
    {
        var (clip, _) = Clips.Write(Path.Combine(Temp, "clip"), frames: 3);
        Fuzz(File.ReadAllBytes(Path.Combine(clip, "clip.json")), "clip.json", path => ReplayClip.LoadSidecar(path), typeof(ReplayFormatException));
    }

    [Test]
    public void Wav_Mutated_OnlyTypedErrors()
    {
        string wav = Path.Combine(Temp, "tone.wav");
        Tools.Run("sox", $"-n -r 8000 -c 2 -b 16 \"{wav}\" synth 0.05 sine 440");
        Fuzz(File.ReadAllBytes(wav), "q.wav", path => WavFile.ReadMono(path), typeof(AudioFormatException), mutateWithin: 64);
    }

    [Test]
    public void Questions_Random_NeverThrow_AndOutOfWorldIsLowConfidence()
    {
        using var answerer = QuestionAnswerer.Open(device: RealtimeMM.Gpu.DevicePreference.Cpu);
        var scene = RealtimeMM.Scenes.SceneGenerator.Render(2, 1, new RealtimeMM.Scenes.SceneOptions { Width = 160, Height = 120 });
        var frame = answerer.Encode(new RealtimeMM.Frames.ImageView(scene.Bgr, 160, 120, 480));
        var rng = new Random(7);
        string[] pieces = ["what", "color", "is", "the", "car", "how", "many", "?", "ü", "车", "'", "  ", "\n", "\0", "red", "zebra", "there", "are", "-", "12345", "where's", "\u200b", "🙂"];
        int n = Math.Max(200, Count / 10), answeredLow = 0, outOfWorld = 0;
        var normaliser = QuestionNormaliser.For(answerer.Bundle);
        var placed = new List<string>();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < n; i++)
        {
            var sb = new StringBuilder();
            int words = rng.Next(0, i % 50 == 0 ? 3000 : 12);
            for (int w = 0; w < words; w++)
                sb.Append(rng.Next(4) == 0 ? ((char)rng.Next(1, 0xD7FF)).ToString() : pieces[rng.Next(pieces.Length)]).Append(rng.Next(3) == 0 ? "" : " ");
            string q = sb.ToString();
            var a = answerer.Ask(frame, q);
            Assert.That(a.Text, Is.Not.Null.And.Not.Empty, q);
            // words outside the model's vocabulary that the normaliser places (fillers, typos, a stray apostrophe) are understood
            bool oddWords = normaliser.Interpret(q).UnknownWords;
            if (!oddWords && QuestionTokenizer.Words(q).Any(w => !answerer.Bundle.Tokenizer.Vocabulary.Contains(w)))
                placed.Add($"{q.ReplaceLineEndings(" ")} -> {a.Interpreted ?? a.Query}: {a.Text}");
            if (oddWords)
            {
                outOfWorld++;
                if (a.Confidence <= 0.1f)
                    answeredLow++;
            }
        }
        TestContext.Out.WriteLine($"{n} random questions in {clock.Elapsed.TotalSeconds:F1} s; {answeredLow}/{outOfWorld} with unknown words got a low-confidence \"can't answer\"; " +
            $"{placed.Count} with words outside the vocabulary that the normaliser placed, e.g.:\n  {string.Join("\n  ", placed.Take(8))}");
        Assert.That(answeredLow, Is.EqualTo(outOfWorld));
    }

    void Fuzz(byte[] seed, string name, Action<string> parse, Type allowed, int mutateWithin = int.MaxValue)
    {
        var rng = new Random(name.Length * 7919 + seed.Length);
        string path = Path.Combine(Temp, name);
        int typed = 0, accepted = 0;
        var slowest = TimeSpan.Zero;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < Count; i++)
        {
            var input = Mutate(seed, rng, Math.Min(mutateWithin, seed.Length));
            File.WriteAllBytes(path, input);
            long before = GC.GetAllocatedBytesForCurrentThread();
            var t = Stopwatch.StartNew();
            try
            {
                parse(path);
                accepted++;
            }
            catch (Exception e) when (allowed.IsInstanceOfType(e) || e is FileNotFoundException)
            {
                typed++;
                Assert.That(e.Message, Does.Contain(name).Or.Contain(Path.GetFileName(path)), $"the message names the file: {e.Message}");
            }
            catch (Exception e)
            {
                string kept = Path.Combine(TestContext.CurrentContext.WorkDirectory, $"fuzz-{name}-{i}.bin");
                File.WriteAllBytes(kept, input);
                Assert.Fail($"{name} mutation {i}: {e.GetType().Name} escaped ({e.Message}); input kept at {kept}\n{e.StackTrace}");
            }
            slowest = t.Elapsed > slowest ? t.Elapsed : slowest;
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.That(allocated, Is.LessThan(64L * input.Length + (64 << 20)), $"{name} mutation {i}: allocated {allocated} bytes for a {input.Length}-byte input");
        }
        TestContext.Out.WriteLine($"{name}: {Count} mutated inputs in {clock.Elapsed.TotalSeconds:F1} s: {typed} typed errors, {accepted} accepted; slowest {slowest.TotalMilliseconds:F0} ms");
        Assert.That(slowest, Is.LessThan(TimeSpan.FromSeconds(5)));
        Assert.That(typed, Is.GreaterThan(Count / 10), "the mutations reach the checks");
    }

    /// <summary>One to four edits: flip bytes, overwrite with extremes, cut, insert or duplicate a span (only within the first <paramref name="within"/> bytes).</summary>
    static byte[] Mutate(byte[] seed, Random rng, int within)
    {
        var b = new List<byte>(seed);
        int edits = 1 + rng.Next(4);
        for (int e = 0; e < edits && b.Count > 0; e++)
        {
            int limit = Math.Max(1, Math.Min(within, b.Count));
            int at = rng.Next(limit);
            switch (rng.Next(7))
            {
                case 0:
                    b[at] ^= (byte)(1 << rng.Next(8));
                    break;
                case 1:
                    b[at] = (byte)rng.Next(256);
                    break;
                case 2:
                    b.RemoveRange(at, b.Count - at); // truncate
                    break;
                case 3:
                    b.InsertRange(at, Enumerable.Range(0, rng.Next(1, 16)).Select(_ => (byte)rng.Next(256)));
                    break;
                case 4:
                    b.RemoveRange(at, Math.Min(b.Count - at, rng.Next(1, 32)));
                    break;
                case 5:
                    foreach (var c in new[] { "-1", "0", "99999999999", "1e308", "null", "\"\"", "[]", "{}", "\"../../x\"", "\"/etc/passwd\"", "\uFFFF" })
                        if (rng.Next(11) == 0)
                            b.InsertRange(at, Encoding.UTF8.GetBytes(c));
                    break;
                default:
                    for (int k = 0; k < 4 && at + k < b.Count; k++)
                        b[at + k] = rng.Next(2) == 0 ? (byte)0xFF : (byte)0x00; // extreme size fields
                    break;
            }
        }
        return b.ToArray();
    }
}
