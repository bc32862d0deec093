using System.CommandLine;
using System.Diagnostics;
using System.Text;
using RealtimeMM.Sources;
using RealtimeMM.Capture;
using RealtimeMM.Frames;
using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;
using RealtimeMM.Overlay;
using RealtimeMM.Search;
using RealtimeMM.Speech;
using Cv2 = OpenCvSharp.Cv2;
using Rect = OpenCvSharp.Rect;
using Scalar = OpenCvSharp.Scalar;
using RealtimeMM.Features;
using Frame = RealtimeMM.Frames.Frame;

namespace RealtimeMM.Cli.Commands;

/// <summary>
/// <c>rtmm live SOURCE</c>: a camera, video, stream or clip in a window, answering standing
/// questions on every frame with the attention heatmap. Type a question and press Enter to add it
/// ("clear" removes them all); F2 starts and ends a spoken question (push-to-talk, with --audio);
/// Tab toggles the heatmap; Esc quits. <c>--alert "a dog"</c> prints a line when a dog appears and
/// when it goes. Capture runs on its own thread into a latest-frame slot, so a slow model drops
/// frames instead of falling behind; a frame the model fails on is shown with the error and the
/// stream goes on (it stops only after 30 failures in a row).
/// </summary>
internal static class LiveCommand
{
    public static Command Create(Terminal terminal)
    {
        var source = new Argument<string>("source") { Description = "Camera index or /dev/videoN, video file, stream URL, image folder or replay clip" };
        var ask = new Option<string[]>("--ask") { Description = "Questions to start with (repeat the option for several)" };
        var frames = new Option<int?>("--frames") { Description = "Stop after this many frames (for scripted runs)" };
        var model = Options.Model();
        var device = Options.Device();
        var json = Options.Json();
        var audio = new Option<string?>("--audio") { Description = "Spoken questions from: default (the microphone), an ALSA device (hw:1,0) or a WAV file played as a microphone" };
        var listen = new Option<bool>("--listen") { Description = "With --audio: take every utterance as a question (always listening) instead of push-to-talk on F2" };
        var alert = new Option<string[]>("--alert") { Description = "Say when this appears and when it goes, e.g. --alert \"a dog\" (repeat for several)" };
        var index = new Option<string?>("--index") { Description = "Also store sampled frames' embeddings in this index file (what `rtmm search` reads); an existing one is continued" };
        var speaker = ListenCommand.SpeakerOption();
        var vocabulary = TeachCommand.Vocabulary(required: false);
        var command = new Command("live", "Ask questions about a live source in a window; the heatmap shows where the model looked. With --vocabulary, drag a box and type a name to teach it") { source, ask, frames, model, device, json, audio, listen, speaker, alert, index, vocabulary };
        command.SetGuardedAction(terminal, (parse, cancel) =>
        {
            if (!FrameWindow.DisplayAvailable)
                throw new UsageException("rtmm live needs a display (DISPLAY is not set); headless, use rtmm replay SOURCE --questions FILE --out DIR");
            using var answerer = QuestionAnswerer.Open(parse.GetValue(model), parse.GetValue(device), warn: terminal.Error.WriteLine);
            using var taught = parse.GetValue(vocabulary) is { } names ? TeachCommand.Open(names, parse.GetValue(device), answerer.Bundle.Manifest.World, terminal) : null;
            if (taught is not null)
                answerer.AddAnswerer(taught);
            var standing = new StandingQuestions(answerer);
            foreach (var q in parse.GetValue(ask) ?? [])
                standing.Add(q);
            var alerts = new TextAlerts(answerer);
            foreach (var a in parse.GetValue(alert) ?? [])
                alerts.Add(a);
            // a live source numbers its frames from 0 each run: numbers and times carry on after what the index holds
            using var recorder = parse.GetValue(index) is { } indexPath
                ? new FrameIndexRecorder(indexPath, answerer.Bundle, parse.GetValue(source)!, null, renumber: true) : null;
            if (recorder is not null)
                recorder.Taught = taught; // taught names searchable by text (rtmm search)
            const int MaxFailuresInARow = 30;
            int failuresInARow = 0;
            using var slot = new FrameSlot();
            using var pump = FrameSource.Pump(parse.GetValue(source)!, slot, new FrameSourceOptions { Pacing = Pacing.RealTime },
                onEvent: e => terminal.Error.WriteLine(e.ToString()));
            using var window = new FrameWindow("RealtimeMM live");
            if (taught is not null)
                window.EnableBoxes();
            Frame? naming = null; // the frame a dragged box was drawn on, while its name is typed
            BoxF box = default;
            using var heat = new CpuOverlayRenderer(new OverlaySpec());
            using var speech = parse.GetValue(audio) is { } audioSpec ? Voice.Open(audioSpec, answerer, taught?.Vocabulary.Names, parse.GetValue(listen),
                parse.GetValue(speaker) is { } profile ? SpeakerProfile.Load(profile) : null) : null;
            string note = speech is null ? "" : parse.GetValue(listen) ? "listening: ask aloud" : "F2: ask aloud";
            var typed = new StringBuilder();
            bool showHeat = true;
            int? limit = parse.GetValue(frames);
            long shown = 0;
            var clock = Stopwatch.StartNew();
            while (slot.TakeAsync(cancel).AsTask().GetAwaiter().GetResult() is { } frame)
            {
                using (frame)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    FrameEncoding encoded;
                    IReadOnlyList<Answer> answers;
                    try
                    {
                        encoded = answerer.Encode(frame);
                        answers = standing.Update(encoded);
                        if (recorder is { Failure: null } && !recorder.Offer(frame, frame.Index, frame.Timestamp.TotalSeconds, encoded) && recorder.Failure is { } why)
                            terminal.Error.WriteLine(note = why); // once, and on screen: the live view goes on
                        foreach (var e in alerts.Update(encoded, frame.Index, frame.Timestamp))
                        {
                            AlertsCommand.Print(terminal, e, parse.GetValue(json));
                            note = $"{(e.Raised ? "ALERT" : "gone")}: {e.Text}";
                        }
                        failuresInARow = 0;
                    }
                    catch (Exception e) when (e is not OperationCanceledException && ++failuresInARow < MaxFailuresInARow)
                    {
                        // one bad frame must not end a live session: show it with the error, go on
                        terminal.Error.WriteLine($"frame {frame.Index}: {e.Message}");
                        using var failed = TruthOverlay.Draw(frame, null, $"frame {frame.Index} failed: {e.Message}", "the stream goes on");
                        if (window.Show(failed) == 27)
                            break;
                        continue;
                    }
                    using var encodedScope = encoded; // its image buffers go back to the answerer for the next frame
                    double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                    if (speech?.Take(encoded, terminal, parse.GetValue(json)) is { } spoken)
                    {
                        note = spoken.Heard ? $"heard: {spoken.Text}" : $"heard nothing ({spoken.Reason})";
                        if (spoken.Heard)
                            standing.Add(spoken.Text);
                    }
                    if (speech?.Failure is { } failure)
                        note = failure;
                    if (parse.GetValue(json))
                        foreach (var a in answers)
                            AnswerJson.Write(terminal, a, asJson: true);
                    using var withHeat = showHeat && answers.Count > 0 && (!encoded.OutOfWorld || answers[0].Answerer != "scene-model") && answers[0].Attention is { } map // no map where the scene model gives no answer
                        ? heat.Blend(frame, map.Values, map.GridWidth, map.GridHeight) : frame.Clone(frame.Index, frame.Timestamp);
                    if (taught is not null && window.TakeBox() is { } dragged)
                    {
                        naming?.Dispose();
                        naming = frame.Clone(frame.Index, frame.Timestamp);
                        box = dragged;
                        typed.Clear();
                    }
                    Boxes(withHeat, answers.SelectMany(a => a.Boxes ?? []), naming is null ? window.Dragging : box);
                    var caption = string.Join("\n", answers.Select(a => $"{a.Query}? {a.Text} ({a.Confidence:P0}{(taught is null ? "" : $", {a.Answerer}")})").Append(naming is null ? $"> {typed}_" : $"name for the box: {typed}_")
                        .Append(speech?.Talking == true ? "* listening... F2 to ask" : note).Where(line => line.Length > 0));
                    double fps = ++shown / Math.Max(clock.Elapsed.TotalSeconds, 1e-3);
                    // the in-world flag: a picture unlike the model's scenes is said so on screen, and its answers are "I can't tell"
                    string world = encoded.InWorld is not { } w ? "" : encoded.OutOfWorld ? $"{(taught is null ? "" : "scene model: ")}NOT LIKE MY SCENES (in-world {w:F3})  " : $"in-world {w:F2}  ";
                    using var view = TruthOverlay.Draw(withHeat, null, caption, $"{world}{fps:F0} fps  {ms:F0} ms  dropped {slot.Dropped}  [Enter ask, Tab heatmap, Esc quit]");
                    int key = window.Show(view);
                    if (key == 27)
                        break;
                    if (key == FrameWindow.F2)
                        note = speech?.PushToTalk() ?? "no audio input: start rtmm live with --audio default (the microphone) or --audio FILE.wav";
                    else if (naming is not null && (key & 0xFF) is 10 or 13)
                    {
                        string name = typed.ToString().Trim();
                        typed.Clear();
                        if (name.Length > 0)
                        {
                            try
                            {
                                var example = taught!.Teach(name, naming, box, source: $"{parse.GetValue(source)} frame {naming.Index}");
                                note = $"taught '{example.Name}' ({taught.Vocabulary.ExamplesOf(example.Name).Count} example(s))";
                                terminal.Out.WriteLine($"live: {note} from frame {naming.Index} {box}");
                            }
                            catch (ArgumentException e)
                            {
                                note = e.Message.Split(" (Parameter")[0];
                            }
                        }
                        naming.Dispose();
                        naming = null;
                    }
                    else
                        Edit(key, typed, standing, ref showHeat);
                }
                if (limit is int max && shown >= max)
                    break;
            }
            naming?.Dispose();
            recorder?.Dispose();
            terminal.Out.WriteLine($"live: {shown} frames shown, {slot.Dropped} dropped, {standing.Questions.Count} standing question(s)" +
                (recorder is null ? "" : recorder.Failure is null ? $", {recorder.Stored} frames indexed in {recorder.Path}" : $"; {recorder.Failure}"));
            return 0;
        });
        return command;
    }

    /// <summary>Draws answers' boxes (green) and the box being dragged or named (yellow) onto a frame the loop owns.</summary>
    static void Boxes(Frame frame, IEnumerable<BoxF> found, BoxF? drawing)
    {
        using var mat = RealtimeMM.Capture.OpenCv.MatFrames.Wrap(frame);
        int thick = Math.Max(1, frame.Height / 300);
        foreach (var b in found)
            Cv2.Rectangle(mat, new Rect((int)b.X, (int)b.Y, (int)b.Width, (int)b.Height), new Scalar(0, 220, 0), thick);
        if (drawing is { } d)
            Cv2.Rectangle(mat, new Rect((int)d.X, (int)d.Y, (int)d.Width, (int)d.Height), new Scalar(0, 230, 255), thick + 1);
    }

    /// <summary>Applies a key to the question being typed (Enter adds it, "clear" removes all, Tab toggles the heatmap).</summary>
    static void Edit(int key, StringBuilder typed, StandingQuestions standing, ref bool showHeat)
    {
        key &= 0xFF;
        switch (key)
        {
            case 0xFF:
                return; // no key
            case 9:
                showHeat = !showHeat;
                return;
            case 8:
                if (typed.Length > 0)
                    typed.Length--;
                return;
            case 10 or 13:
                var q = typed.ToString().Trim();
                typed.Clear();
                if (q == "clear")
                    foreach (var old in standing.Questions)
                        standing.Remove(old);
                else if (q.Length > 0)
                    standing.Add(q);
                return;
            default:
                if (key >= 32 && key < 127 && typed.Length < 200)
                    typed.Append((char)key);
                return;
        }
    }

    /// <summary>Spoken questions in the live loop: the listener on its thread, the choice on the frame shown.</summary>
    sealed class Voice(IAudioInput input, SpeechRecognizer recognizer, SpeechListener listener, SceneAwareChooser chooser, QuestionAnswerer answerer) : IDisposable
    {
        public static Voice Open(string spec, QuestionAnswerer answerer, IReadOnlyList<string>? taughtNames, bool alwaysListening, SpeakerProfile? speaker)
        {
            var input = AudioInput.Open(spec);
            SpeechRecognizer? recognizer = null;
            try
            {
                var grammar = SpeechGrammar.For(answerer.Bundle, taughtNames); // names taught before this session started
                recognizer = new SpeechRecognizer(grammar, speaker: speaker);
                return new Voice(input, recognizer, new SpeechListener(input, recognizer, alwaysListening), new SceneAwareChooser(grammar), answerer);
            }
            catch
            {
                recognizer?.Dispose();
                input.Dispose();
                throw;
            }
        }

        public bool Talking => listener.Talking;
        public string? Failure => listener.Failure;

        /// <summary>F2: starts a question, or ends it.</summary>
        public string PushToTalk()
        {
            if (listener.Talking)
            {
                listener.StopTalking();
                return "recognising...";
            }
            listener.StartTalking();
            return "* listening... F2 to ask";
        }

        /// <summary>A question heard since the last frame, chosen with what this frame shows.</summary>
        public SpokenQuestion? Take(FrameEncoding frame, Terminal terminal, bool asJson)
        {
            if (!listener.TryTake(out var heard))
                return null;
            var q = heard.Hypotheses.Count == 0 ? SpokenQuestion.Nothing("no speech", heard.AudioMs) : chooser.Choose(heard, SceneAwareChooser.PresenceFrom(answerer, frame));
            if (asJson)
                JsonLines.Write(terminal.Out, new { heard = q.Text, raw = q.Raw, confidence = q.Confidence, reason = q.Reason });
            return q;
        }

        public void Dispose()
        {
            listener.Dispose();
            recognizer.Dispose();
            input.Dispose();
        }
    }
}
