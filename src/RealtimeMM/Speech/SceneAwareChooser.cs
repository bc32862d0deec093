using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;

namespace RealtimeMM.Speech;

/// <summary>
/// Picks among the recogniser's hypotheses with what the camera sees. A question that presupposes
/// a thing ("what color is the bus", "where is the red ball", "what is the pink object") is unlikely
/// when the frame shows no such thing, so each hypothesis gets its acoustic score plus the log of the
/// model's own belief that its subject is in the frame; questions that do not presuppose
/// (counting, "is there") are left as heard. The belief comes from the vision side through the
/// model: "is there a red ball" (probability of yes) or "how many red objects" (probability of
/// not 0).
/// </summary>
public sealed class SceneAwareChooser(SpeechGrammar grammar)
{
    /// <summary>Weight of the recogniser's log score (its scores are far more peaked than real confidence).</summary>
    public double AcousticScale { get; init; } = 50;

    /// <summary>Smallest belief used, so the vision side can veto but never drive a choice alone.</summary>
    public double MinPresence { get; init; } = 0.02;

    /// <summary>What the subject of a hypothesis is: a class, maybe with a color, or a color alone.</summary>
    public (string? Class, string? Color, bool Presupposes) Subject(string text)
    {
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string kind = QuestionAnswerer.KindOf(text);
        int c = Array.FindIndex(words, w => grammar.Classes.Contains(w));
        string? cls = c >= 0 ? words[c] : null;
        string? color = c > 0 && grammar.Colors.Contains(words[c - 1]) ? words[c - 1] : cls is null ? words.FirstOrDefault(grammar.Colors.Contains) : null;
        bool presupposes = kind is "color" or "position" or "identify";
        return (cls, color, presupposes && (cls ?? color) is not null);
    }

    /// <summary>The model's belief that a subject is in an encoded frame.</summary>
    public static Func<string?, string?, double> PresenceFrom(QuestionAnswerer answerer, FrameEncoding frame)
    {
        var answers = answerer.Bundle.Manifest.Answers;
        int yes = Array.IndexOf(answers, "yes"), zero = Array.IndexOf(answers, "0");
        return (cls, color) =>
        {
            if (cls is not null)
            {
                string what = color is null ? cls : $"{color} {cls}";
                var p = answerer.Ask(frame, $"is there {World.Article(what)} {what}").Probabilities;
                return p is null || yes < 0 ? 1 : p[yes];
            }
            var q = answerer.Ask(frame, $"how many {color} objects are there").Probabilities;
            return q is null || zero < 0 ? 1 : 1 - q[zero];
        };
    }

    /// <summary>Chooses a question from <paramref name="heard"/>; <paramref name="presence"/> null: as heard.</summary>
    public SpokenQuestion Choose(SpeechResult heard, Func<string?, string?, double>? presence)
    {
        if (heard.Hypotheses.Count == 0)
            return SpokenQuestion.Nothing("no words recognised", heard.AudioMs);
        var scored = heard.Hypotheses.Select(h =>
        {
            var (cls, color, presupposes) = Subject(h.Text);
            double belief = presupposes && presence is not null ? Math.Max(MinPresence, presence(cls, color)) : 1;
            return (h, cls, color, presupposes, belief, total: AcousticScale * h.LogScore + Math.Log(belief));
        }).ToList();
        double top = scored.Max(s => s.total), sum = scored.Sum(s => Math.Exp(s.total - top));
        var chosen = scored.MaxBy(s => s.total);
        var raw = scored[0]; // the recogniser's own answer leads the list
        double confidence = 1 / sum; // the chosen hypothesis' share among the hypotheses
        static string Named(string? color, string? cls) => string.Join(' ', new[] { color, cls ?? (color is null ? null : "object") }.Where(w => w is not null));
        string reason = chosen.h == raw.h
            ? (presence is null ? "best acoustic match (no frame to check against)"
                : raw.presupposes ? $"best acoustic match; the frame shows a {Named(raw.color, raw.cls)} (belief {raw.belief:F2})"
                : "best acoustic match; the question does not presuppose anything in the frame")
            : $"heard \"{raw.h.Text}\" best, but the frame shows no {Named(raw.color, raw.cls)} (belief {raw.belief:F2}); " +
              $"\"{chosen.h.Text}\" sounds nearly as close and fits the frame" + (chosen.presupposes ? $" ({Named(chosen.color, chosen.cls)}, belief {chosen.belief:F2})" : "");
        return new SpokenQuestion(FixArticles(chosen.h.Text), raw.h.Text, Math.Round(confidence, 4), reason, heard.Hypotheses, heard.AudioMs, heard.DecodeMs);
    }

    /// <summary>"a" and "an" sound alike to the recogniser: the written question takes the one the next word needs.</summary>
    public static string FixArticles(string text)
    {
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i + 1 < words.Length; i++)
            if (words[i] is "a" or "an")
                words[i] = World.Article(words[i + 1]);
        return string.Join(' ', words);
    }
}
