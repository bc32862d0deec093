using System.Diagnostics;
using System.Text.Json;
using RealtimeMM.Sources;
using RealtimeMM.Capture;
using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;
using RealtimeMM.Speech;
using RealtimeMM.Tests.Cli;

namespace RealtimeMM.Tests.Speech;

/// <summary>Spoken questions from espeak-ng voices through the endpointer and PocketSphinx with the bundle's grammar.</summary>
public class RecognitionTests : TestBase
{
    static readonly string[] Questions =
    [
        "what color is the car", "what's the color of the truck on the left", "which color is the bus", "how many dogs are there",
        "how many red objects do you see", "count the trees", "is there a green ball", "are there any houses", "can you see a person",
        "where is the yellow box", "where's the bicycle", "in which part of the picture is the dog", "what is the purple object",
        "what kind of object is orange", "how many people can you see", "is there any white truck",
    ];

    [Test]
    public void Recognize_FourVoices_SentenceAccuracyWerAndSpeed()
    {
        using var recognizer = new SpeechRecognizer(Speak.Grammar);
        var voices = new[] { ("en-us", 165), ("en-us+f3", 150), ("en-us+m3", 185), ("en-gb", 160) };
        int sentences = 0, exact = 0, words = 0, errors = 0;
        double audioMs = 0, decodeMs = 0;
        foreach (var (voice, speed) in voices)
        {
            int voiceExact = 0;
            for (int i = 0; i < Questions.Length; i++)
            {
                var pcm = WavFile.ReadSpeech(Speak.Wav(Temp, $"{voice}-{i}", Questions[i], voice, speed));
                var utterance = Endpointer.Split(pcm);
                Assert.That(utterance, Has.Count.EqualTo(1), $"{voice}: \"{Questions[i]}\"");
                var heard = recognizer.Recognize(utterance[0].Samples);
                int e = Speak.WordErrors(Questions[i], heard.Text);
                sentences++;
                words += Speak.Normal(Questions[i]).Length;
                errors += e;
                if (e == 0)
                {
                    exact++;
                    voiceExact++;
                }
                else
                {
                    TestContext.Out.WriteLine($"  {voice}: \"{Questions[i]}\" heard as \"{heard.Text}\"");
                }
                audioMs += heard.AudioMs;
                decodeMs += heard.DecodeMs;
            }
            TestContext.Out.WriteLine($"{voice} (speed {speed}): {voiceExact}/{Questions.Length} sentences exact");
        }
        double accuracy = 100.0 * exact / sentences, wer = 100.0 * errors / words, rtf = decodeMs / audioMs;
        TestContext.Out.WriteLine($"sentence accuracy {accuracy:F1}% ({exact}/{sentences}), WER {wer:F2}% ({errors}/{words} words), real-time factor {rtf:F3}");
        Assert.That(accuracy, Is.GreaterThanOrEqualTo(88), "measured 92.2% (85.9% before the grammar's own dictionary and 32 Gaussians per frame)");
        Assert.That(wer, Is.LessThanOrEqualTo(3), "measured 1.40% (5.06% before)");
        // speed is the benchmark's to show (`rtmm bench speech`: 0.06 in docs/performance.md); a unit
        // test only holds what live speech needs, decoding faster than the audio comes (0.07-0.11
        // measured here, by the host's speed and its load from parallel tests)
        Assert.That(rtf, Is.LessThan(1), "decoding slower than real time");
    }

    [Test]
    public void Recognize_InNoise_StillHears()
    {
        using var recognizer = new SpeechRecognizer(Speak.Grammar);
        int exact = 0;
        for (int i = 0; i < 8; i++)
        {
            string clean = Speak.Wav(Temp, $"c{i}", Questions[i]), noise = Path.Combine(Temp, $"n{i}.wav"), noisy = Path.Combine(Temp, $"x{i}.wav");
            Tools.Run("sox", $"\"{clean}\" \"{noise}\" synth pinknoise vol 0.03");
            Tools.Run("sox", $"-m \"{clean}\" \"{noise}\" \"{noisy}\"");
            var u = Endpointer.Split(WavFile.ReadSpeech(noisy));
            var heard = u.Count == 1 ? recognizer.Recognize(u[0].Samples).Text : $"({u.Count} utterances)";
            if (Speak.WordErrors(Questions[i], heard) == 0)
                exact++;
            else
                TestContext.Out.WriteLine($"  \"{Questions[i]}\" in pink noise heard as \"{heard}\"");
        }
        TestContext.Out.WriteLine($"pink noise: {exact}/8 sentences exact");
        Assert.That(exact, Is.GreaterThanOrEqualTo(6));
    }

    [Test]
    public void Chooser_PrefersTheHypothesisTheFrameSupports()
    {
        var chooser = new SceneAwareChooser(Speak.Grammar);
        var heard = new SpeechResult([new("what color is the bus", -0.700), new("what color is the box", -0.702), new("how many buses are there", -0.75)], 1500, 50);
        double Presence(string? cls, string? color) => cls == "box" ? 0.97 : 0.01;
        var q = chooser.Choose(heard, Presence);
        TestContext.Out.WriteLine($"chose \"{q.Text}\" over \"{q.Raw}\": {q.Reason}");
        Assert.That(q.Text, Is.EqualTo("what color is the box"));
        Assert.That(q.Raw, Is.EqualTo("what color is the bus"));
        Assert.That(q.Reason, Does.Contain("no bus"));
        Assert.That(chooser.Choose(heard, null).Text, Is.EqualTo("what color is the bus"), "without a frame: as heard");
        // a clear acoustic winner is not overruled by the frame
        var clear = new SpeechResult([new("what color is the bus", -0.70), new("what color is the box", -0.90)], 1500, 50);
        Assert.That(chooser.Choose(clear, Presence).Text, Is.EqualTo("what color is the bus"));
        // counting does not presuppose the thing exists
        Assert.That(chooser.Subject("how many buses are there").Presupposes, Is.False);
        Assert.That(chooser.Subject("where is the red ball"), Is.EqualTo(("ball", "red", true)));
        Assert.That(chooser.Subject("what is the pink object"), Is.EqualTo(((string?)null, "pink", true)));
        Assert.That(SceneAwareChooser.FixArticles("is there an dog or a orange ball"), Is.EqualTo("is there a dog or an orange ball"));
    }

    static readonly (string Voice, int Speed)[] SceneVoices = [("en-us", 165), ("en-us+f3", 150), ("en-gb", 160), ("en-us+m3", 185)];

    sealed record SceneSpeech(int Questions, int RawExact, int ChosenExact, double Accuracy, double Wer, double RealTimeFactor);

    /// <summary>
    /// The issue's measure: every question the generator asks about 6 scenes (all kinds, present and absent
    /// things), spoken by 4 voices, recognised by the voice's recogniser, then chosen with the frame's help.
    /// </summary>
    SceneSpeech MeasureSceneQuestions(Func<string, SpeechRecognizer> recognizerFor, string label)
    {
        string scenes = Path.Combine(Temp, "scenes");
        if (!File.Exists(Path.Combine(scenes, "clip.json")))
            Assert.That(Rtmm.Run("scene", "--seed", "21", "--count", "6", "--out", scenes).ExitCode, Is.Zero);
        using var sidecar = JsonDocument.Parse(File.ReadAllText(Path.Combine(scenes, "clip.json")));
        using var answerer = QuestionAnswerer.Open(device: RealtimeMM.Gpu.DevicePreference.Cpu);
        var chooser = new SceneAwareChooser(Speak.Grammar);
        int n = 0, rawExact = 0, chosenExact = 0, words = 0, wordErrors = 0, index = 0, unsayable = 0;
        double audioMs = 0, decodeMs = 0;
        foreach (var frame in sidecar.RootElement.GetProperty("frames").EnumerateArray())
        {
            using var image = FrameSource.LoadImage(Path.Combine(scenes, "frames", $"{index++:D6}.png"));
            var encoded = answerer.Encode(image);
            var presence = SceneAwareChooser.PresenceFrom(answerer, encoded);
            foreach (var q in frame.GetProperty("questions").EnumerateArray())
            {
                string text = q.GetProperty("question").GetString()!;
                if (!Speak.Grammar.Accepts(text))
                {
                    unsayable++; // "colour": one spelling per sound in the grammar
                    continue;
                }
                foreach (var (voice, speed) in SceneVoices)
                {
                    var u = Endpointer.Split(WavFile.ReadSpeech(Speak.Wav(Temp, $"q{n}", text, voice, speed)));
                    Assert.That(u, Has.Count.EqualTo(1), $"{voice}: \"{text}\"");
                    var heard = recognizerFor(voice).Recognize(u[0].Samples);
                    var spoken = chooser.Choose(heard, presence);
                    n++;
                    audioMs += heard.AudioMs;
                    decodeMs += heard.DecodeMs;
                    words += Speak.Normal(text).Length;
                    int errors = Speak.WordErrors(text, spoken.Text);
                    wordErrors += errors;
                    rawExact += Speak.WordErrors(text, spoken.Raw) == 0 ? 1 : 0;
                    chosenExact += errors == 0 ? 1 : 0;
                    if (errors > 0 || spoken.Text != spoken.Raw)
                        TestContext.Out.WriteLine($"  {voice}: \"{text}\": heard \"{spoken.Raw}\", chose \"{spoken.Text}\"{(errors > 0 ? "  (wrong)" : "")}");
                }
            }
        }
        var result = new SceneSpeech(n, rawExact, chosenExact, 100.0 * chosenExact / n, 100.0 * wordErrors / words, decodeMs / audioMs);
        TestContext.Out.WriteLine($"{label}: {n} spoken questions about 6 generated frames, 4 voices ({unsayable} written questions the grammar spells otherwise): " +
            $"recogniser's first choice {100.0 * rawExact / n:F1}% exact, scene-aware choice {result.Accuracy:F1}% ({chosenExact}/{n}), WER {result.Wer:F2}%, real-time factor {result.RealTimeFactor:F3}");
        Assert.That(n, Is.GreaterThanOrEqualTo(150));
        Assert.That(chosenExact, Is.GreaterThanOrEqualTo(rawExact), "the frame's help never costs a question");
        Assert.That(result.RealTimeFactor, Is.LessThan(1), "decoding slower than real time (a speed figure is the benchmark's to show)");
        return result;
    }

    [Test]
    public void SceneAware_QuestionsAboutGeneratedFrames_FourVoices_SentenceAccuracyAndWer()
    {
        using var recognizer = new SpeechRecognizer(Speak.Grammar);
        var result = MeasureSceneQuestions(_ => recognizer, "no enrolment");
        Assert.That(result.Accuracy, Is.GreaterThanOrEqualTo(93.5), "regression guard: measured 95.4% without enrolment (with it, the next test)");
        Assert.That(result.Wer, Is.LessThanOrEqualTo(2));
    }

    [Test]
    public void SceneAware_EnrolledSpeakers_FourVoices_MeetSentenceAccuracyTarget()
    {
        // each voice reads the enrolment script once (statements, never a question the grammar can say, so
        // no test question is ever in the adaptation data); its recogniser loads the voice's profile
        var script = SpeakerAdaptation.EnrollmentScript(Speak.Grammar, 35);
        Assert.That(script, Has.Count.EqualTo(35));
        Assert.That(script.Where(Speak.Grammar.Accepts), Is.Empty);
        Assert.That(script.SelectMany(s => s.Split(' ')).ToHashSet(), Is.SupersetOf(Speak.Grammar.Classes).And.SupersetOf(Speak.Grammar.Colors));
        var recognizers = new Dictionary<string, SpeechRecognizer>();
        try
        {
            foreach (var (voice, speed) in SceneVoices)
            {
                var recordings = script.Select((text, i) => (WavFile.ReadSpeech(Speak.Wav(Temp, $"enrol-{voice}-{i}", text, voice, speed)), text)).ToArray();
                var clock = Stopwatch.StartNew();
                var profile = SpeakerAdaptation.Enroll(recordings, Path.Combine(Temp, $"{voice}.profile"));
                TestContext.Out.WriteLine($"{voice}: enrolled from {profile.Sentences} sentences, {profile.Frames / 100.0:F1} s of audio, in {clock.Elapsed.TotalSeconds:F1} s");
                Assert.That(profile.Sentences, Is.EqualTo(script.Count), "every enrolment sentence aligned");
                recognizers[voice] = new SpeechRecognizer(Speak.Grammar, speaker: SpeakerProfile.Load(profile.MeansFile));
            }
            var result = MeasureSceneQuestions(voice => recognizers[voice], "enrolled");
            Assert.That(result.Accuracy, Is.GreaterThanOrEqualTo(97), "the issue's target");
            Assert.That(result.Wer, Is.LessThanOrEqualTo(2));
        }
        finally
        {
            foreach (var r in recognizers.Values)
                r.Dispose();
        }
    }

    [Test]
    public void Cli_EnrollThenListenWithTheProfile()
    {
        var script = Rtmm.Run("enroll", "--script");
        Assert.That(script.ExitCode, Is.Zero, script.ToString());
        var lines = script.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(36));
        Assert.That(lines.Where(Speak.Grammar.Accepts), Is.Empty);

        string dir = Path.Combine(Temp, "enrol-cli");
        Directory.CreateDirectory(dir);
        string sentences = Path.Combine(dir, "sentences.txt");
        File.WriteAllLines(sentences, lines.Take(4));
        for (int i = 0; i < 4; i++)
            File.Copy(Speak.Wav(Temp, $"enrol-cli-{i}", lines[i]), Path.Combine(dir, $"{i + 1}.wav"), overwrite: true);
        string profile = Path.Combine(Temp, "cli.profile");
        var enrolled = Rtmm.Run("enroll", "--dir", dir, "--sentences", sentences, "--out", profile, "--json");
        Assert.That(enrolled.ExitCode, Is.Zero, enrolled.ToString());
        using (var doc = JsonDocument.Parse(enrolled.Out))
            Assert.That(doc.RootElement.GetProperty("sentences").GetInt32(), Is.EqualTo(4));
        Assert.That(SpeakerProfile.Load(profile).MeansFile, Is.EqualTo(Path.GetFullPath(profile)));

        var heard = Rtmm.Run("listen", "--wav", Speak.Wav(Temp, "q-cli", "how many cars are there"), "--speaker", profile, "--json");
        Assert.That(heard.ExitCode, Is.Zero, heard.ToString());
        using (var doc = JsonDocument.Parse(heard.Out.Split('\n')[0]))
            Assert.That(doc.RootElement.GetProperty("text").GetString(), Is.EqualTo("how many cars are there"));

        File.Delete(Path.Combine(dir, "3.wav"));
        var missing = Rtmm.Run("enroll", "--dir", dir, "--sentences", sentences, "--out", Path.Combine(Temp, "cli2.profile"));
        Assert.That(missing.ExitCode, Is.Not.Zero);
        Assert.That(missing.Error, Does.Contain("3.wav").And.Contain("sentence 3"));
        Assert.That(File.Exists(Path.Combine(Temp, "cli2.profile")), Is.False);
        var badProfile = Rtmm.Run("listen", "--wav", Speak.Wav(Temp, "q-cli", "how many cars are there"), "--speaker", sentences);
        Assert.That(badProfile.ExitCode, Is.Not.Zero);
        Assert.That(badProfile.Error, Does.Contain("sentences.txt"));
    }

    [Test]
    public void Enroll_BadInput_ClearErrors()
    {
        var pcm = WavFile.ReadSpeech(Speak.Wav(Temp, "enrol-bad", "the red car", "en-us", 165));
        Assert.That(() => SpeakerAdaptation.Enroll([(pcm, "the red zorblax")], Path.Combine(Temp, "x.profile")),
            Throws.ArgumentException.With.Message.Contains("\"zorblax\"").And.Message.Contains("dictionary"));
        Assert.That(() => SpeakerAdaptation.Enroll([(new short[800], "the red car is next to the blue dog and the green ball")], Path.Combine(Temp, "x.profile")),
            Throws.ArgumentException.With.Message.Contains("no recording could be aligned"));
        Assert.That(File.Exists(Path.Combine(Temp, "x.profile")), Is.False, "nothing written when enrolment fails");
        string junk = Path.Combine(Temp, "junk.profile");
        File.WriteAllText(junk, "not a means file");
        Assert.That(() => SpeakerProfile.Load(junk), Throws.TypeOf<InvalidDataException>().With.Message.Contains("junk.profile"));
        Assert.That(() => SpeakerProfile.Load(Path.Combine(Temp, "missing.profile")), Throws.TypeOf<FileNotFoundException>());
    }

    [Test]
    public void Dictionary_GrammarWordsOnly_DoubledConsonantSaidOnce_PluralsShareStems()
    {
        var g = Speak.Grammar;
        Assert.That(g.WordPairs, Does.Contain(("black", "car")).And.Contain(("what", "color")));
        Assert.That(g.Words, Is.SupersetOf(g.Classes).And.SupersetOf(g.Colors));
        string dict = SpeechDictionary.For(g, Path.Combine(SpeechRecognizer.DefaultModelFolder, "cmudict-en-us.dict"));
        var lines = dict.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        TestContext.Out.WriteLine($"{lines.Length} pronunciations of {g.Words.Count} words; added: " +
            string.Join(", ", lines.Where(l => l.Contains('(')).Where(l => !File.ReadLines(Path.Combine(SpeechRecognizer.DefaultModelFolder, "cmudict-en-us.dict")).Contains(l))));
        Assert.That(lines, Does.Contain("black B L AE K").And.Contain("black(2) B L AE"), "\"black car\": one K");
        Assert.That(lines.Where(l => l.StartsWith("green")), Is.EquivalentTo(new[] { "green G R IY N" }), "no doubled sound after green");
        Assert.That(lines, Does.Contain("dog(2) D AA G"), "\"dogs\" has /dɑgz/ in CMUdict: \"dog\" gets its stem");
        Assert.That(lines.Where(l => l.StartsWith("ball ") || l.StartsWith("ball(")), Is.EquivalentTo(new[] { "ball B AO L" }), "neither ball nor balls has another vowel");
        Assert.That(lines.Select(l => l.Split(' ')[0].Split('(')[0]).Distinct(), Is.EquivalentTo(g.Words));
        string small = Path.Combine(Temp, "small.dict");
        File.WriteAllText(small, "car K AA R\n");
        // the words a dictionary lacks are said as espeak-ng says them
        var fromEspeak = SpeechDictionary.For(g, small).Split('\n');
        Assert.That(fromEspeak, Does.Contain("car K AA R").And.Contain("bicycle B AY S IH K AH L").And.Contain("orange AO R IH N JH"));
    }

    [Test]
    public void Recognizer_MissingAcousticModel_SaysWhichPackage()
    {
        Assert.That(() => new SpeechRecognizer(Speak.Grammar, modelFolder: Path.Combine(Temp, "nowhere")),
            Throws.TypeOf<SpeechUnavailableException>().With.Message.Contains("pocketsphinx-en-us"));
    }

    [Test]
    public void Grammar_FromTheBundle_AcceptsItsQuestionsOnly()
    {
        var g = Speak.Grammar;
        Assert.That(g.Classes, Does.Contain("bicycle"));
        Assert.That(g.Colors, Does.Contain("gray"));
        foreach (var q in Questions)
            Assert.That(g.Accepts(q), Is.True, q);
        Assert.That(g.Accepts("what color is the"), Is.False, "a path that stops part-way");
        Assert.That(g.Accepts("what color is the cat"), Is.False, "a class outside the world");
        Assert.That(g.Accepts("is there an car"), Is.False, "the article agrees with the next word");
        Assert.That(g.Accepts("is there an orange car") && g.Accepts("can you see a red ball"), Is.True);
        Assert.That(g.Jsgf, Does.Not.Contain("["), "no optional groups (PocketSphinx loses the final state after them)");
    }

    [Test]
    public void ListenCommand_WavAndImage_RecognitionThenAnswer_SilenceAndBadFiles()
    {
        Assert.That(Rtmm.Run("scene", "--seed", "4", "--count", "1", "--out", Path.Combine(Temp, "scenes")).ExitCode, Is.Zero);
        string image = Path.Combine(Temp, "scenes", "frames", "000000.png");
        var r = Rtmm.Run("listen", "--wav", Speak.Wav(Temp, "q", "how many cars are there"), "--image", image, "--json");
        Assert.That(r.ExitCode, Is.Zero, r.ToString());
        var lines = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(2), r.Out);
        using var heard = JsonDocument.Parse(lines[0]);
        using var answer = JsonDocument.Parse(lines[1]);
        Assert.That(heard.RootElement.GetProperty("text").GetString(), Is.EqualTo("how many cars are there"));
        Assert.That(heard.RootElement.GetProperty("timings_ms").GetProperty("decode").GetDouble(), Is.GreaterThan(0));
        Assert.That(answer.RootElement.GetProperty("query").GetString(), Is.EqualTo("how many cars are there"));
        Assert.That(answer.RootElement.GetProperty("kind").GetString(), Is.EqualTo("count"));

        string silence = Path.Combine(Temp, "silence.wav");
        Tools.Run("sox", $"-n -r 44100 -c 2 \"{silence}\" synth 2 sine 0 vol 0");
        var quiet = Rtmm.Run("listen", "--wav", silence, "--image", image);
        Assert.That(quiet.ExitCode, Is.Zero, quiet.ToString());
        Assert.That(quiet.Out, Does.Contain("heard nothing"));

        string empty = Path.Combine(Temp, "empty.wav");
        File.WriteAllBytes(empty, []);
        var bad = Rtmm.Run("listen", "--wav", empty);
        Assert.That(bad.ExitCode, Is.EqualTo(1));
        Assert.That(bad.ErrorLines, Has.Length.EqualTo(1));
        Assert.That(bad.Error, Does.Contain("empty.wav: empty file"));
    }
}
