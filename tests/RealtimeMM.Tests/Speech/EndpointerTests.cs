using RealtimeMM.Speech;

namespace RealtimeMM.Tests.Speech;

public class EndpointerTests : TestBase
{
    [Test]
    public void Split_SilenceAndNoise_NoUtterance()
    {
        foreach (var (name, synth) in new[] { ("silence", "synth 3 sine 0 vol 0"), ("white-noise", "synth 3 whitenoise vol 0.3"), ("pink-noise", "synth 3 pinknoise vol 0.5"), ("hum", "synth 3 sine 50 vol 0.4") })
        {
            string wav = Path.Combine(Temp, name + ".wav");
            Tools.Run("sox", $"-n -r 16000 -c 1 -b 16 \"{wav}\" {synth}");
            Assert.That(Endpointer.Split(WavFile.ReadSpeech(wav)), Is.Empty, name);
        }
    }

    [Test]
    public void Split_TwoQuestionsWithAPause_TwoUtterances_AlsoInNoise()
    {
        string a = Speak.Wav(Temp, "a", "how many cars are there"), b = Speak.Wav(Temp, "b", "is there a dog");
        string both = Path.Combine(Temp, "both.wav"), noisy = Path.Combine(Temp, "noisy.wav"), noise = Path.Combine(Temp, "noise.wav");
        Tools.Run("sox", $"\"{a}\" \"{b}\" \"{both}\"");
        var clean = Endpointer.Split(WavFile.ReadSpeech(both));
        Tools.Run("sox", $"\"{both}\" \"{noise}\" synth whitenoise vol 0.02");
        Tools.Run("sox", $"-m \"{both}\" \"{noise}\" \"{noisy}\"");
        var inNoise = Endpointer.Split(WavFile.ReadSpeech(noisy));
        TestContext.Out.WriteLine($"clean: {string.Join(", ", clean.Select(u => $"{u.Start.TotalSeconds:F2}-{u.End.TotalSeconds:F2} s"))}; in noise: {string.Join(", ", inNoise.Select(u => $"{u.Start.TotalSeconds:F2}-{u.End.TotalSeconds:F2} s"))}");
        Assert.That(clean, Has.Count.EqualTo(2));
        Assert.That(inNoise, Has.Count.EqualTo(2));
    }

    [Test]
    public void Feed_LongStream_HoldsOnlyWhatAnUtteranceNeeds()
    {
        var speech = WavFile.ReadSpeech(Speak.Wav(Temp, "q", "is there a dog"));
        var endpointer = new Endpointer();
        var rng = new Random(3);
        var quiet = new short[WavFile.SpeechRate];
        int heard = 0, most = 0;
        for (int second = 0; second < 120; second++) // two minutes of room noise, a question in the middle
        {
            for (int i = 0; i < quiet.Length; i++)
                quiet[i] = (short)rng.Next(-40, 41);
            heard += endpointer.Feed(quiet).Count;
            if (second == 60)
                heard += endpointer.Feed(speech).Count;
            most = Math.Max(most, endpointer.HeldSamples);
        }
        TestContext.Out.WriteLine($"2 min of stream: {heard} utterance(s); at most {most} samples held ({most / (double)WavFile.SpeechRate:F1} s)");
        Assert.That(heard, Is.EqualTo(1));
        Assert.That(most, Is.LessThan(WavFile.SpeechRate * 10), "seconds of audio, not the whole stream");
    }
}
