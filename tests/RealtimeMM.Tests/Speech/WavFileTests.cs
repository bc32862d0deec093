using RealtimeMM.Speech;

namespace RealtimeMM.Tests.Speech;

public class WavFileTests : TestBase
{
    [Test]
    public void ReadSpeech_CommonRatesChannelsAndFormats_SameSpeech()
    {
        string wav = Speak.Wav(Temp, "q", "where is the red ball");
        var reference = WavFile.ReadSpeech(wav);
        using var recognizer = new SpeechRecognizer(Speak.Grammar);
        foreach (var (name, sox) in new[] { ("8k-mono", "-r 8000 -c 1"), ("48k-stereo", "-r 48000 -c 2"), ("44k-float", "-r 44100 -e floating-point -b 32"), ("24bit", "-b 24"), ("8bit", "-b 8 -e unsigned-integer") })
        {
            string converted = Path.Combine(Temp, name + ".wav");
            Tools.Run("sox", $"\"{wav}\" {sox} \"{converted}\"");
            var pcm = WavFile.ReadSpeech(converted);
            Assert.That(pcm.Length, Is.EqualTo(reference.Length).Within(reference.Length / 100), name);
            var heard = recognizer.Recognize(Endpointer.Split(pcm).Single().Samples);
            TestContext.Out.WriteLine($"{name}: heard \"{heard.Text}\"");
            if (name != "8k-mono") // 8 kHz telephone audio has no energy above 4 kHz: read correctly, heard less well
                Assert.That(Speak.Normal(heard.Text), Is.EqualTo(Speak.Normal("where is the red ball")), name);
        }
    }

    [Test]
    public void Resample_Sine_KeepsItsFrequencyAndLevel()
    {
        var sine = Enumerable.Range(0, 48000).Select(i => (float)(0.5 * Math.Sin(2 * Math.PI * 1000 * i / 48000))).ToArray();
        var down = WavFile.Resample(sine, 48000, 16000);
        Assert.That(down, Has.Length.EqualTo(16000));
        double worst = 0;
        for (int i = 100; i < 15900; i++)
            worst = Math.Max(worst, Math.Abs(down[i] - 0.5 * Math.Sin(2 * Math.PI * 1000 * i / 16000)));
        TestContext.Out.WriteLine($"1 kHz sine 48 -> 16 kHz: max error {worst:E2}");
        Assert.That(worst, Is.LessThan(0.01));
    }

    [Test]
    public void ReadSpeech_BadFiles_NameTheFileAndTheProblem()
    {
        string empty = Path.Combine(Temp, "empty.wav"), text = Path.Combine(Temp, "text.wav"), cut = Path.Combine(Temp, "cut.wav");
        File.WriteAllBytes(empty, []);
        File.WriteAllText(text, "not audio at all");
        var whole = File.ReadAllBytes(Speak.Wav(Temp, "q", "count the dogs"));
        File.WriteAllBytes(cut, whole[..(whole.Length / 2)]);
        Assert.That(() => WavFile.ReadSpeech(empty), Throws.TypeOf<AudioFormatException>().With.Message.Contains("empty.wav").And.Message.Contains("0 bytes"));
        Assert.That(() => WavFile.ReadSpeech(text), Throws.TypeOf<AudioFormatException>().With.Message.Contains("not a RIFF/WAVE file"));
        Assert.That(() => WavFile.ReadSpeech(cut), Throws.TypeOf<AudioFormatException>().With.Message.Contains("cut.wav: truncated"));
        Assert.That(() => WavFile.ReadSpeech(Path.Combine(Temp, "missing.wav")), Throws.TypeOf<FileNotFoundException>().With.Message.Contains("missing.wav"));
    }
}
