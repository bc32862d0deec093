using System.Diagnostics;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;

namespace RealtimeMM.Answering;

/// <summary>
/// The bundle's scene model as an answerer ("scene-model"): the text encoder and the fusion give
/// logits over the world's answers, decoded here: the softmax at the kind's calibrated temperature,
/// "not sure — maybe X" below the bundle's threshold, "I can't tell from this picture" for a frame
/// out of the world, "I don't see a truck" when "the truck" is not in view, "there are 2 cars" for
/// "several", and "unanswerable" as a refusal. It takes every question: it is the last answerer.
/// </summary>
internal sealed class SceneModelAnswerer(ModelBundle bundle, FusionEngine engine, TextEncoderCache texts) : IAnswerer
{
    public const string AnswererName = "scene-model";

    World world => bundle.Manifest.World;

    public string Name => AnswererName;

    public bool CanAnswer(ParsedQuestion question, FrameEncoding frame) => true;

    public IReadOnlyList<Answer> Answer(FrameEncoding frame, IReadOnlyList<ParsedQuestion> questions)
    {
        var results = new Answer?[questions.Count];
        var frameTimings = frame.Timings();
        var pending = new List<(int Index, string Kind, string[] Words, EncodedText Text, double TextMs)>();
        for (int i = 0; i < questions.Count; i++)
        {
            var q = questions[i];
            if (q.Refusal is { } refusal && !q.UnknownWords)
            {
                // nothing the world's words can place (only fillers, no question in them); unknown words are asked as typed
                results[i] = Answering.Answer.CantAnswer(q.Asked, q.Kind.Name(), new Dictionary<string, double>(frameTimings), engine.Device, refusal);
                continue;
            }
            long t0 = Stopwatch.GetTimestamp();
            var words = QuestionTokenizer.Words(q.Text);
            if (texts.For(q.Text) is not { } text)
            {
                results[i] = Answering.Answer.CantAnswer(q.Asked, q.Kind.Name(), new Dictionary<string, double>(frameTimings), engine.Device, $"the question has {words.Length} words; the model reads at most {bundle.Manifest.MaxTokens - 1}");
                continue;
            }
            pending.Add((i, q.Kind.Name(), words, text, Stopwatch.GetElapsedTime(t0).TotalMilliseconds));
        }
        long f0 = Stopwatch.GetTimestamp();
        var fused = Decode(frame, pending.Select(p => (p.Text.States, p.Text.Mask, TemperatureOf(p.Kind))).ToList());
        double fusionMs = Stopwatch.GetElapsedTime(f0).TotalMilliseconds / Math.Max(1, pending.Count);
        var notInView = NotInView(frame, pending.Select((p, j) => (p.Kind, p.Words, p.Text.Unknown.Length == 0 ? fused[j].Answer : (string?)null)).ToList());
        for (int j = 0; j < pending.Count; j++)
        {
            var (i, kind, words, text, textMs) = pending[j];
            var q = questions[i];
            var (answer, confidence, attention, probabilities) = fused[j];
            var timings = new Dictionary<string, double>(frameTimings) { ["text"] = Math.Round(textMs, 3), ["fusion"] = Math.Round(fusionMs, 3) };
            string chosen = answer;
            string answerKind = kind == "unknown" ? world.KindOfAnswer(answer) : kind;
            string? reworded = q.Rewritten ? q.Text : null;
            if (text.Unknown.Length > 0)
                results[i] = Answering.Answer.CantAnswer(q.Asked, kind, timings, engine.Device,
                    q.UnknownWords ? q.Refusal! : $"unknown word{(text.Unknown.Length > 1 ? "s" : "")} {string.Join(", ", text.Unknown.Select(u => $"'{u}'"))}",
                    attention, confidence, chosen) with { Probabilities = probabilities };
            else if (answer == AnswerVocabulary.Unanswerable)
                results[i] = Answering.Answer.CantAnswer(q.Asked, kind, timings, engine.Device, "the question is about something outside the scene world", attention, confidence, chosen) with { Probabilities = probabilities };
            else if (frame.OutOfWorld)
                results[i] = CantTell(q.Asked, answerKind, timings, frame, attention, chosen) with { Probabilities = probabilities };
            else if (notInView.TryGetValue(j, out var absent))
                results[i] = new Answer(q.Asked, $"I don't see {absent.What}", absent.Confidence, kind, attention, timings, engine.Device, null, chosen)
                    { Probabilities = probabilities, InWorld = frame.InWorld, Interpreted = reworded, NotInView = true };
            else
            {
                if (answer == AnswerVocabulary.Several)
                    answer = Several(frame, q.Subject) ?? answer;
                var (said, notSure) = Phrase(answer, confidence);
                results[i] = new Answer(q.Asked, said, confidence, answerKind, attention, timings, engine.Device, null, chosen)
                    { Probabilities = probabilities, NotSure = notSure, InWorld = frame.InWorld, Interpreted = reworded };
            }
        }
        return results.Select(r => r!).ToArray();
    }

    float TemperatureOf(string kind) => bundle.Calibration?.TemperatureOf(kind) ?? 1f;

    /// <summary>How an answer is said at a calibrated confidence: as it is, or below the bundle's not-sure threshold "not sure — maybe ANSWER".</summary>
    public (string Text, bool NotSure) Phrase(string answer, float confidence) =>
        bundle.Calibration is { } c && confidence < c.NotSureBelow ? (QuestionAnswerer.NotSurePrefix + answer, true) : (answer, false);

    /// <summary>The answer about a frame the model does not know: it says so, with the in-world score as the reason, at no confidence.</summary>
    public Answer CantTell(string question, string kind, Dictionary<string, double> timings, FrameEncoding frame, AttentionMap? attention, string? chosen) =>
        new(question, QuestionAnswerer.CantTellText, 0f, kind, attention, timings, engine.Device,
            $"the picture does not look like the scenes the model knows (in-world score {frame.InWorld:0.000}, below {bundle.Calibration!.InWorld!.FlagBelow:0.000})", chosen)
        { InWorld = frame.InWorld, OutOfWorld = true };

    /// <summary>Each question's answer, its probability, all probabilities and the overlay's map.</summary>
    List<(string Answer, float Confidence, AttentionMap Map, float[] Probabilities)> Decode(FrameEncoding frame, IReadOnlyList<(float[] States, float[] Mask, float Temperature)> questions)
    {
        var raw = engine.Run(frame, questions.Select(q => (q.States, q.Mask)).ToList());
        return raw.Select((r, k) => Decide(frame, r.Logits, r.Attention, questions[k].Temperature)).ToList();
    }

    /// <summary>
    /// The answer, its probability, all probabilities (the softmax of the logits over the kind's
    /// calibrated temperature), and the overlay's map (last layer, mean over heads) with its peak in frame pixels.
    /// </summary>
    (string Answer, float Confidence, AttentionMap Map, float[] Probabilities) Decide(FrameEncoding frame, ReadOnlySpan<float> logits, ReadOnlySpan<float> attention, float temperature)
    {
        var m = bundle.Manifest;
        int best = 0;
        for (int i = 1; i < logits.Length; i++)
            if (logits[i] > logits[best])
                best = i;
        float sum = 0;
        foreach (float l in logits)
            sum += MathF.Exp((l - logits[best]) / temperature);
        var probabilities = new float[logits.Length];
        for (int i = 0; i < logits.Length; i++)
            probabilities[i] = MathF.Exp((logits[i] - logits[best]) / temperature) / sum;
        // the overlay's map: last layer, mean over heads, patch cells only
        int cells = m.GridWidth * m.GridHeight;
        var map = new float[cells];
        int lastLayer = (m.FusionLayers - 1) * m.Heads * m.ImageTokens;
        for (int h = 0; h < m.Heads; h++)
            for (int c = 0; c < cells; c++)
                map[c] += attention[lastLayer + h * m.ImageTokens + c] / m.Heads;
        int peak = 0;
        for (int c = 1; c < cells; c++)
            if (map[c] > map[peak])
                peak = c;
        double px = (peak % m.GridWidth + 0.5) * frame.Width / m.GridWidth, py = (peak / m.GridWidth + 0.5) * frame.Height / m.GridHeight;
        return (m.Answers[best], 1f / sum, new AttentionMap(m.GridWidth, m.GridHeight, map, px, py), probabilities);
    }

    /// <summary>
    /// Questions about "the X" (color, position) when no X is in view: for each, the model is asked
    /// "is there an X" (with the question's color, if any) in one more batch, and where it says no
    /// with calibrated confidence 0.5 or more the answer is "I don't see an X" instead of a color or
    /// a place. Returns, by index in <paramref name="asked"/>, what is not in view ("a red box") and
    /// the confidence of that. A frame out of the world, a question the model found unanswerable or
    /// about several Xs, is not checked.
    /// </summary>
    Dictionary<int, (string What, float Confidence)> NotInView(FrameEncoding frame, IReadOnlyList<(string Kind, string[] Words, string? Answer)> asked)
    {
        var premiseOf = new Dictionary<int, (string Question, string What)>();
        if (frame.OutOfWorld)
            return [];
        for (int j = 0; j < asked.Count; j++)
        {
            var (kind, words, answer) = asked[j];
            if (kind is not ("color" or "position") || answer is null or AnswerVocabulary.Unanswerable or AnswerVocabulary.Several)
                continue;
            int at = Array.FindIndex(words, w => world.Classes.Contains(w));
            if (at < 0)
                continue;
            string what = at > 0 && world.Colors.Contains(words[at - 1]) ? $"{words[at - 1]} {words[at]}" : words[at];
            if (world.Phrase("exist", what) is { } premise)
                premiseOf[j] = (premise, $"{World.Article(what)} {what}");
        }
        var premises = premiseOf.Values.Select(p => p.Question).Distinct().ToList();
        var encoded = premises.Select(texts.For).ToList();
        var answers = Decode(frame, encoded.OfType<EncodedText>().Select(t => (t.States, t.Mask, TemperatureOf("exist"))).ToList());
        var no = premises.Where((_, k) => encoded[k] is not null).Zip(answers)
            .Where(x => x.Second.Answer == "no" && x.Second.Confidence >= 0.5f).ToDictionary(x => x.First, x => x.Second.Confidence);
        return premiseOf.Where(p => no.ContainsKey(p.Value.Question)).ToDictionary(p => p.Key, p => (p.Value.What, no[p.Value.Question]));
    }

    /// <summary>"the X" matched more than one: say how many, by asking the model to count them.</summary>
    string? Several(FrameEncoding frame, string? noun)
    {
        if (noun is null || world.Phrase("count", world.Plural(noun)) is not { } question || texts.For(question) is not { } count)
            return null;
        var n = Decode(frame, [(count.States, count.Mask, TemperatureOf("count"))])[0].Answer;
        return int.TryParse(n, out int k) && k > 1 ? $"there are {k} {world.Plural(noun)}" : $"there is more than one {noun}";
    }
}
