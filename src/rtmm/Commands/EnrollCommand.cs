using System.CommandLine;
using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;
using RealtimeMM.Speech;

namespace RealtimeMM.Cli.Commands;

/// <summary>
/// <c>rtmm enroll --script</c> prints the sentences a speaker reads, one per line;
/// <c>rtmm enroll --dir D --out P</c> adapts the recogniser to the voice in D/1.wav, D/2.wav, ... (line
/// N of the script, or of <c>--sentences FILE</c>) and writes the speaker profile P, which
/// <c>rtmm listen --speaker P</c> and <c>rtmm live --speaker P</c> load.
/// </summary>
internal static class EnrollCommand
{
    public static Command Create(Terminal terminal)
    {
        var script = new Option<bool>("--script") { Description = "Print the enrolment sentences (one per line; record line N as N.wav) and exit" };
        var dir = new Option<string?>("--dir") { Description = "Folder with the recordings: 1.wav for the first sentence, 2.wav for the second, ..." };
        var sentences = new Option<string?>("--sentences") { Description = "Text file of the recorded sentences, one per line (default: the enrolment script)" };
        var output = new Option<string?>("--out") { Description = "Speaker profile to write" };
        var json = Options.Json();
        var model = Options.Model();
        var command = new Command("enroll", "Adapt speech recognition to one speaker from a few recorded sentences") { script, dir, sentences, output, json, model };
        command.Validators.Add(r =>
        {
            if (r.GetResult(script) is null && (r.GetResult(dir) is null || r.GetResult(output) is null))
                r.AddError("give --script, or --dir FOLDER and --out PROFILE");
        });
        command.SetGuardedAction(terminal, (parse, cancel) =>
        {
            IReadOnlyList<string> lines;
            if (parse.GetValue(sentences) is { } file)
                lines = Options.ReadLines(file, "sentences");
            else
            {
                using var bundle = ModelBundle.Load(parse.GetValue(model) ?? ModelBundle.DefaultFolder);
                lines = SpeakerAdaptation.EnrollmentScript(SpeechGrammar.For(bundle));
            }
            if (parse.GetValue(script))
            {
                foreach (var line in lines)
                    terminal.Out.WriteLine(line);
                return 0;
            }
            string folder = parse.GetValue(dir)!, profilePath = parse.GetValue(output)!;
            if (!Directory.Exists(folder))
                throw new DirectoryNotFoundException($"{folder}: folder not found");
            var recordings = new List<(short[] Pcm, string Text)>();
            for (int i = 0; i < lines.Count; i++)
            {
                string wav = Path.Combine(folder, $"{i + 1}.wav");
                if (!File.Exists(wav))
                    throw new FileNotFoundException($"{wav}: recording of sentence {i + 1} (\"{lines[i]}\") not found");
                recordings.Add((WavFile.ReadSpeech(wav), lines[i]));
            }
            var clock = System.Diagnostics.Stopwatch.StartNew();
            SpeakerProfile profile;
            using (var progress = parse.GetValue(json) ? null : new Progress(terminal, "adapting", recordings.Count))
                profile = SpeakerAdaptation.Enroll(recordings, profilePath, progress: done => progress?.Report(done));
            if (parse.GetValue(json))
                JsonLines.Write(terminal.Out, new { profile = profile.MeansFile, sentences = profile.Sentences, of = recordings.Count, audio_s = profile.Frames / 100.0, seconds = Math.Round(clock.Elapsed.TotalSeconds, 1) });
            else
                terminal.Out.WriteLine($"{profile.MeansFile}: adapted to {profile.Sentences} of {recordings.Count} sentences ({profile.Frames / 100.0:F1} s of speech) in {clock.Elapsed.TotalSeconds:F1} s");
            return 0;
        });
        return command;
    }
}
