using RealtimeMM.Bundle;
using RealtimeMM.Speech;

namespace RealtimeMM.Tests.Speech;

/// <summary>Taught names in spoken questions: the grammar takes them, espeak-ng pronounces what CMUdict lacks.</summary>
public class TaughtNamesSpeechTests : TestBase
{
    [Test]
    public void EspeakPhonemes_MapToCmudictPhones()
    {
        // CMUdict: van V AE N; people P IY P AH L; delivery D IH L IH V ER IY
        Assert.That(EspeakPronunciation.Phones("van"), Is.EqualTo(new[] { "V", "AE", "N" }));
        Assert.That(EspeakPronunciation.Phones("people"), Is.EqualTo(new[] { "P", "IY", "P", "AH", "L" }));
        Assert.That(EspeakPronunciation.Phones("delivery"), Is.EqualTo(new[] { "D", "IH", "L", "IH", "V", "ER", "IY" }));
        Assert.That(EspeakPronunciation.FromEspeak("v'an"), Is.EqualTo(new[] { "V", "AE", "N" }));
        Assert.That(EspeakPronunciation.FromEspeak("q"), Is.Null, "a phoneme it cannot map");
    }

    [Test]
    public void Grammar_TakesTaughtNames_WithTheirPlurals()
    {
        using var bundle = ModelBundle.Load(ModelBundle.DefaultFolder);
        var grammar = SpeechGrammar.For(bundle, ["van", "zorbix", "delivery van", "o'brien"]);
        foreach (var s in new[] { "is there a van", "how many zorbixes are there", "where is the delivery van", "what color is the van", "is there a car" })
            Assert.That(grammar.Accepts(s), Is.True, s);
        Assert.That(grammar.Accepts("is there a o'brien"), Is.False, "names with other characters than letters and spaces are left out of the grammar");
        Assert.That(SpeechGrammar.For(bundle).Accepts("is there a van"), Is.False, "without taught names");
    }

    [Test]
    public void SpokenQuestions_AboutTaughtNames_AreHeard()
    {
        using var bundle = ModelBundle.Load(ModelBundle.DefaultFolder);
        // "zorbix" is in no dictionary: the recogniser says it as espeak-ng does
        var grammar = SpeechGrammar.For(bundle, ["van", "zorbix"]);
        using var recognizer = new SpeechRecognizer(grammar);
        string[] questions = ["is there a van", "what color is the van", "how many vans are there", "where is the zorbix", "how many zorbixes are there", "is there a zorbix"];
        int exact = 0, total = 0;
        foreach (var voice in new[] { "en-us", "en-us+m3" })
            for (int i = 0; i < questions.Length; i++)
            {
                var pcm = WavFile.ReadSpeech(Speak.Wav(Temp, $"{voice}-{i}", questions[i], voice));
                var heard = recognizer.Recognize(Endpointer.Split(pcm)[0].Samples).Text;
                total++;
                exact += heard == questions[i] ? 1 : 0;
                TestContext.Out.WriteLine($"{voice}: \"{questions[i]}\" heard \"{heard}\"");
            }
        TestContext.Out.WriteLine($"{exact}/{total} sentences exact");
        Assert.That(exact, Is.GreaterThanOrEqualTo(total - 3));
    }
}
