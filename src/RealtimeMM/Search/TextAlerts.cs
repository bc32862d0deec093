using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;

namespace RealtimeMM.Search;

/// <summary>
/// Standing text alerts on a stream ("a dog", "a red car"): each frame, the model is asked
/// "is there TEXT" for every alert in one fusion batch, and the probability of "yes" drives each
/// alert's <see cref="TextAlert"/>. A taught name ("a van", with a taught answerer added) is asked of
/// its answerer, and its confidence in yes or no is the score. The cross-attention model decides presence per frame far more
/// reliably than the similarity of one pooled image embedding to the text (which ranks frames well
/// but is diluted when a frame holds several things), so the score is that probability and its
/// calibrated threshold is the model's own 0.5 boundary, kept apart by hysteresis.
/// Does not take ownership of the answerer. Not thread-safe: update from the frame loop.
/// </summary>
public sealed class TextAlerts
{
    readonly QuestionAnswerer answerer;
    readonly List<(TextAlert Alert, string Question)> alerts = [];
    readonly int yes;

    public TextAlerts(QuestionAnswerer answerer)
    {
        ArgumentNullException.ThrowIfNull(answerer);
        this.answerer = answerer;
        yes = Array.IndexOf(answerer.Bundle.Manifest.Answers, "yes");
        if (yes < 0)
            throw new ModelBundleException(Path.Combine(answerer.Bundle.Folder, "manifest.json"), "answers", "has no \"yes\": alerts need a model that answers is-there questions");
    }

    public IReadOnlyList<TextAlert> Alerts => alerts.Select(a => a.Alert).ToArray();

    /// <summary>Adds an alert. Throws <see cref="ArgumentException"/> naming the problem when the model cannot watch for the text (unknown words, empty).</summary>
    public TextAlert Add(string text, AlertOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        string what = text.Trim();
        if (QuestionTokenizer.Words(what).Length == 0)
            throw new ArgumentException("alert text is empty", nameof(text));
        string question = TextSearch.PresenceQuestion(what);
        var unknown = answerer.Bundle.Tokenizer.Encode(question, new long[answerer.Bundle.Manifest.MaxTokens]);
        if (unknown.Count > 0 && !answerer.AnotherAnswererTakes(question)) // a taught name is watched for by its examples
            throw new ArgumentException($"alert \"{text}\": the model does not know {string.Join(", ", unknown.Distinct().Select(w => $"'{w}'"))}", nameof(text));
        var alert = new TextAlert(what, options);
        alerts.Add((alert, question));
        return alert;
    }

    public bool Remove(string text) => alerts.RemoveAll(a => a.Alert.Text == text.Trim()) > 0;

    /// <summary>Scores a frame for every alert and returns the alerts that were raised or cleared on it.</summary>
    public IReadOnlyList<AlertEvent> Update(FrameEncoding frame, long frameIndex, TimeSpan timestamp)
    {
        if (alerts.Count == 0)
            return [];
        var answers = answerer.AskMany(frame, alerts.Select(a => a.Question).ToList());
        var events = new List<AlertEvent>();
        for (int i = 0; i < alerts.Count; i++)
        {
            float score = Score(answers[i], yes);
            if (alerts[i].Alert.Update(score) is { } raised)
                events.Add(new AlertEvent(alerts[i].Alert.Text, raised, frameIndex, timestamp, score, answers[i].Attention));
        }
        return events;
    }

    /// <summary>
    /// How likely "yes" is, as alerts score it: the model's probability of "yes" (the answer
    /// vocabulary's entry <paramref name="yes"/>); from an answerer without that vocabulary (taught
    /// examples, CLIP), its confidence in its yes or no; 0 when it could not answer.
    /// </summary>
    internal static float Score(Answer answer, int yes) => !answer.Answered ? 0f
        : answer.Probabilities is { } p && yes >= 0 && yes < p.Length ? p[yes]
        : answer.Text == "yes" ? answer.Confidence : answer.Text == "no" ? 1 - answer.Confidence : 0f;
}
