using RealtimeMM.Bundle;
using RealtimeMM.Fusion;

namespace RealtimeMM.Answering;

/// <summary>
/// Questions that stay active and are re-answered on every new frame, like live prompts. The
/// shown answer follows an exponential moving average of the model's probabilities and changes
/// only when another answer leads by a margin, so the label does not flicker between frames.
/// </summary>
public sealed class StandingQuestions
{
    readonly QuestionAnswerer answerer;
    readonly List<(string Question, float[]? Smoothed, string? Shown)> questions = [];

    /// <param name="smoothing">Weight of the newest frame in the average, in (0, 1]; 1 means no smoothing.</param>
    /// <param name="margin">How far another answer's averaged probability must lead before the shown answer changes.</param>
    public StandingQuestions(QuestionAnswerer answerer, float smoothing = 0.4f, float margin = 0.1f)
    {
        if (!(smoothing > 0 && smoothing <= 1))
            throw new ArgumentOutOfRangeException(nameof(smoothing), smoothing, "smoothing must be in (0, 1]");
        this.answerer = answerer;
        Smoothing = smoothing;
        Margin = margin;
    }

    public float Smoothing { get; }
    public float Margin { get; }

    public IReadOnlyList<string> Questions => questions.Select(q => q.Question).ToArray();

    public void Add(string question) => questions.Add((question, null, null));

    public bool Remove(string question) => questions.RemoveAll(q => q.Question == question) > 0;

    /// <summary>Answers every standing question about a new frame, smoothed over the frames before it.</summary>
    public IReadOnlyList<Answer> Update(FrameEncoding frame)
    {
        var answers = new Answer[questions.Count];
        var vocabulary = answerer.Bundle.Manifest.Answers;
        var all = answerer.AskMany(frame, questions.Select(q => q.Question).ToList()); // one fusion dispatch for all of them on Vulkan
        for (int i = 0; i < questions.Count; i++)
        {
            var (question, smoothed, shown) = questions[i];
            var fresh = all[i];
            if (fresh.Probabilities is not { } p || !fresh.Answered || fresh.ModelAnswer is null || fresh.NotInView)
            {
                questions[i] = (question, null, null);
                answers[i] = fresh;
                continue;
            }
            smoothed ??= (float[])p.Clone();
            for (int k = 0; k < p.Length; k++)
                smoothed[k] = Smoothing * p[k] + (1 - Smoothing) * smoothed[k];
            int best = Array.IndexOf(smoothed, smoothed.Max());
            int current = shown is null ? -1 : Array.IndexOf(vocabulary, shown);
            if (current < 0 || smoothed[best] > smoothed[current] + Margin)
                current = best;
            string label = vocabulary[current];
            questions[i] = (question, smoothed, label);
            // the smoothed confidence decides whether it is said as sure; "there are 2 cars" stays when the label did not change
            string said = label == fresh.ModelAnswer ? (fresh.NotSure ? fresh.Text[QuestionAnswerer.NotSurePrefix.Length..] : fresh.Text) : label;
            var (text, notSure) = answerer.Phrase(said, smoothed[current]);
            answers[i] = fresh with { Text = text, ModelAnswer = label, Confidence = smoothed[current], NotSure = notSure };
        }
        return answers;
    }
}
