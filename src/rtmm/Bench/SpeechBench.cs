using System.Diagnostics;
using RealtimeMM.Frames;
using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;
using RealtimeMM.Scenes;
using RealtimeMM.Speech;

namespace RealtimeMM.Cli.Bench;

/// <summary>
/// From the end of a spoken question to its answer, as push-to-talk has it (the key is released, the
/// utterance is buffered): PocketSphinx decodes it, the scene-aware choice asks the model what the
/// frame shows, and the chosen question is answered about the frame (already encoded, as in a live
/// session). Every question the generator asks about a few scenes, spoken by espeak-ng voices.
/// </summary>
internal static class SpeechBench
{
    public sealed record Result(int Questions, double AudioMs, Timing.Stats Decode, Timing.Stats Choice, Timing.Stats Answer, Timing.Stats Total, double MaxTotalMs);

    static readonly (string Voice, int Speed)[] Voices = [("en-us", 165), ("en-us+f3", 150)];

    public static Result Run(int scenes, Action<string> progress)
    {
        using var answerer = QuestionAnswerer.Open(warn: progress);
        var grammar = SpeechGrammar.For(answerer.Bundle);
        using var recognizer = new SpeechRecognizer(grammar);
        var chooser = new SceneAwareChooser(grammar);
        string temp = Directory.CreateTempSubdirectory("rtmm-bench-speech-").FullName;
        try
        {
            var decode = new List<double>();
            var choice = new List<double>();
            var answer = new List<double>();
            var total = new List<double>();
            double audioMs = 0;
            bool warm = false;
            for (int s = 0; s < scenes; s++)
            {
                var scene = SceneGenerator.Render(7, s, new SceneOptions { Width = 640, Height = 480 });
                var frame = answerer.Encode(new ImageView(scene.Bgr, scene.Width, scene.Height, scene.Width * 3));
                var presence = SceneAwareChooser.PresenceFrom(answerer, frame);
                var questions = scene.Questions.Select(q => q.Question).Where(grammar.Accepts).ToList();
                progress($"scene {s + 1}/{scenes}: {questions.Count} questions x {Voices.Length} voices");
                foreach (var text in questions)
                    foreach (var (voice, speed) in Voices)
                    {
                        var audio = WavFile.ReadSpeech(Speak(temp, text, voice, speed));
                        if (!warm)
                        {
                            recognizer.Recognize(audio); // the first decode pays for loading
                            warm = true;
                        }
                        long t0 = Stopwatch.GetTimestamp();
                        var heard = recognizer.Recognize(audio);
                        long t1 = Stopwatch.GetTimestamp();
                        var chosen = chooser.Choose(heard, presence);
                        long t2 = Stopwatch.GetTimestamp();
                        if (chosen.Heard)
                            answerer.Ask(frame, chosen.Text);
                        long t3 = Stopwatch.GetTimestamp();
                        decode.Add(Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds);
                        choice.Add(Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds);
                        answer.Add(Stopwatch.GetElapsedTime(t2, t3).TotalMilliseconds);
                        total.Add(Stopwatch.GetElapsedTime(t0, t3).TotalMilliseconds);
                        audioMs += heard.AudioMs;
                    }
            }
            if (total.Count == 0)
                throw new UsageException("speech benchmark: the grammar accepts none of the generated questions");
            double max = total.Max();
            return new Result(total.Count, audioMs / total.Count, Timing.Stats.From("decode (PocketSphinx)", decode), Timing.Stats.From("scene-aware choice", choice),
                Timing.Stats.From("answer (text encoder + fusion)", answer), Timing.Stats.From("end of speech to answer", total), max);
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    /// <summary>A question spoken by espeak-ng into a WAV file.</summary>
    static string Speak(string folder, string text, string voice, int speed)
    {
        string file = Path.Combine(folder, $"{voice}-{text.Replace(' ', '_').Replace('\'', '_')}.wav");
        var start = new ProcessStartInfo("espeak-ng") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-v", voice, "-s", speed.ToString(), "-w", file, text })
            start.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new UsageException($"speech benchmark: espeak-ng cannot be started ({e.Message}): install Debian's espeak-ng", e);
        }
        using (process)
        {
            string err = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0 || !File.Exists(file))
                throw new UsageException($"speech benchmark: espeak-ng failed on \"{text}\" (voice {voice}): {err.Trim()}");
        }
        return file;
    }
}
