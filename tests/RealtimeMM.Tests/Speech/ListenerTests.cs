using System.Diagnostics;
using RealtimeMM.Speech;

namespace RealtimeMM.Tests.Speech;

public class ListenerTests : TestBase
{
    [Test]
    public void PushToTalk_WavPlayedAsAMicrophone_OneQuestion()
    {
        string wav = Speak.Wav(Temp, "q", "how many balls are there");
        using var recognizer = new SpeechRecognizer(Speak.Grammar);
        using var listener = new SpeechListener(new WavAudioInput(wav), recognizer);
        listener.StartTalking();
        Thread.Sleep((int)(WavFile.ReadSpeech(wav).Length * 1000L / WavFile.SpeechRate) + 200);
        listener.StopTalking();
        var clock = Stopwatch.StartNew();
        SpeechResult? heard = null;
        while (clock.ElapsedMilliseconds < 5000 && !listener.TryTake(out heard))
            Thread.Sleep(20);
        TestContext.Out.WriteLine($"heard \"{heard?.Text}\" {clock.ElapsedMilliseconds} ms after the key was released (decode {heard?.DecodeMs:F0} ms)");
        Assert.That(heard, Is.Not.Null);
        Assert.That(heard!.Text, Is.EqualTo("how many balls are there"));
        Assert.That(listener.Failure, Is.Null);
    }

    [Test]
    public void AlwaysListening_TwoQuestions_TwoResults_NothingFromSilence()
    {
        string a = Speak.Wav(Temp, "a", "is there a red car"), b = Speak.Wav(Temp, "b", "where is the tree"), both = Path.Combine(Temp, "both.wav");
        Tools.Run("sox", $"\"{a}\" \"{b}\" \"{both}\" pad 0 1");
        using var recognizer = new SpeechRecognizer(Speak.Grammar);
        using var listener = new SpeechListener(new WavAudioInput(both), recognizer, alwaysListening: true);
        var results = new List<string>();
        var clock = Stopwatch.StartNew();
        while (clock.ElapsedMilliseconds < 12000 && results.Count < 2)
        {
            if (listener.TryTake(out var r))
                results.Add(r.Text);
            Thread.Sleep(20);
        }
        Thread.Sleep(1000); // the trailing silence brings nothing more
        while (listener.TryTake(out var r))
            results.Add(r.Text);
        TestContext.Out.WriteLine(string.Join(" | ", results));
        Assert.That(results, Is.EqualTo(new[] { "is there a red car", "where is the tree" }));
    }

    [Test]
    public void Microphone_NoSuchDevice_ClearError()
    {
        Assert.That(() => AudioInput.Open("hw:97,0"), Throws.TypeOf<AudioInputException>().With.Message.StartsWith("microphone 'hw:97,0': "));
    }
}
