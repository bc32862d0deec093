using System.CommandLine;
using RealtimeMM.Sources;
using RealtimeMM.Capture;
using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;
using RealtimeMM.Speech;

namespace RealtimeMM.Cli.Commands;

/// <summary>
/// <c>rtmm listen --wav F [--image I | --clip C] [--json]</c>: the spoken questions in a recording
/// (each utterance the endpointer finds), recognised against the model's question grammar; with a
/// frame to look at, the choice among the recogniser's hypotheses checks what the frame shows, and
/// the question is answered. One recognition line per utterance (and an answer line after it).
/// </summary>
internal static class ListenCommand
{
    public static Command Create(Terminal terminal)
    {
        var wav = new Option<string?>("--wav") { Description = "WAV file with the spoken question(s): any rate and channel count" };
        var printGrammar = new Option<bool>("--print-grammar") { Description = "Print the JSGF grammar made from the model bundle and exit" };
        var image = new Option<string?>("--image") { Description = "Image the question is about: the answer follows, and the frame guides the choice of words" };
        var clip = new Option<string?>("--clip") { Description = "Replay clip or video: each question is about the frame shown when it ends" };
        var speaker = SpeakerOption();
        var json = Options.Json();
        var model = Options.Model();
        var vocabulary = TeachCommand.Vocabulary(required: false);
        var command = new Command("listen", "Recognise spoken questions in a WAV file and answer them about an image or clip") { wav, image, clip, speaker, json, model, printGrammar, vocabulary };
        command.Validators.Add(r =>
        {
            if (r.GetResult(image) is not null && r.GetResult(clip) is not null)
                r.AddError("give --image or --clip, not both");
            if ((r.GetResult(wav) is null) == (r.GetResult(printGrammar) is null))
                r.AddError("give --wav FILE (or --print-grammar)");
        });
        command.SetGuardedAction(terminal, (parse, cancel) =>
        {
            if (parse.GetValue(printGrammar))
            {
                using var bundle = ModelBundle.Load(parse.GetValue(model) ?? ModelBundle.DefaultFolder);
                using var names = parse.GetValue(vocabulary) is { } v ? TeachCommand.Open(v, RealtimeMM.Gpu.DevicePreference.Cpu, bundle.Manifest.World, terminal) : null;
                terminal.Out.Write(SpeechGrammar.For(bundle, names?.Vocabulary.Names).Jsgf);
                return 0;
            }
            string file = parse.GetValue(wav)!;
            bool asJson = parse.GetValue(json);
            var audio = WavFile.ReadSpeech(file);
            using var answerer = QuestionAnswerer.Open(parse.GetValue(model), warn: terminal.Error.WriteLine);
            using var taught = parse.GetValue(vocabulary) is { } vocabularyFile ? TeachCommand.Open(vocabularyFile, RealtimeMM.Gpu.DevicePreference.Auto, answerer.Bundle.Manifest.World, terminal) : null;
            if (taught is not null)
                answerer.AddAnswerer(taught);
            var grammar = SpeechGrammar.For(answerer.Bundle, taught?.Vocabulary.Names);
            using var recognizer = new SpeechRecognizer(grammar, log: Environment.GetEnvironmentVariable("RTMM_SPEECH_LOG") == "1",
                extraArguments: Environment.GetEnvironmentVariable("RTMM_SPEECH_ARGS")?.Split(' ', StringSplitOptions.RemoveEmptyEntries),
                speaker: parse.GetValue(speaker) is { } profile ? SpeakerProfile.Load(profile) : null);
            var chooser = new SceneAwareChooser(grammar);

            FrameEncoding? still = null;
            if (parse.GetValue(image) is { } imageFile)
            {
                using var frame = FrameSource.LoadImage(imageFile);
                still = answerer.Encode(frame);
            }
            using var source = parse.GetValue(clip) is { } clipSpec ? FrameSource.Open(clipSpec) : null;
            Frames.Frame? shown = null;
            try
            {
                var utterances = Endpointer.Split(audio);
                if (utterances.Count == 0)
                {
                    Report(terminal, SpokenQuestion.Nothing("no speech: the recording is silent or noise only", audio.Length * 1000.0 / WavFile.SpeechRate), null, asJson);
                    return 0;
                }
                foreach (var u in utterances)
                {
                    cancel.ThrowIfCancellationRequested();
                    var frameNow = still;
                    if (source is not null)
                    {
                        // the frame on screen when the question ended
                        while ((shown is null || shown.Timestamp < u.End) && source.Read(cancel) is { } next)
                        {
                            shown?.Dispose();
                            shown = next;
                        }
                        frameNow = shown is null ? null : answerer.Encode(shown);
                    }
                    var heard = recognizer.Recognize(u.Samples);
                    var question = chooser.Choose(heard, frameNow is null ? null : SceneAwareChooser.PresenceFrom(answerer, frameNow));
                    Report(terminal, question, u, asJson);
                    if (frameNow is not null && question.Heard)
                        AnswerJson.Write(terminal, answerer.Ask(frameNow, question.Text), asJson);
                }
            }
            finally
            {
                shown?.Dispose();
            }
            return 0;
        });
        return command;
    }

    /// <summary><c>--speaker PROFILE</c>: a profile from <c>rtmm enroll</c>.</summary>
    public static Option<string?> SpeakerOption() => new("--speaker") { Description = "Speaker profile from 'rtmm enroll': recognition adapted to that voice" };

    static void Report(Terminal terminal, SpokenQuestion q, Endpointer.Utterance? u, bool asJson)
    {
        if (asJson)
        {
            JsonLines.Write(terminal.Out, new
            {
                text = q.Text,
                raw = q.Raw,
                confidence = q.Confidence,
                reason = q.Reason,
                start_ms = u?.Start.TotalMilliseconds,
                end_ms = u?.End.TotalMilliseconds,
                hypotheses = q.Hypotheses.Select(h => new { text = h.Text, log_score = Math.Round(h.LogScore, 2) }),
                timings_ms = new { audio = Math.Round(q.AudioMs, 1), decode = Math.Round(q.DecodeMs, 2) },
            });
            return;
        }
        terminal.Out.WriteLine(q.Heard
            ? $"heard: {q.Text}  (confidence {q.Confidence:F2}{(q.Raw != q.Text ? $", recogniser's first choice: \"{q.Raw}\"" : "")}; {q.Reason})"
            : $"heard nothing ({q.Reason})");
    }
}
