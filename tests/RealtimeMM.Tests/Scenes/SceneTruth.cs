using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;
using RealtimeMM.Scenes;

namespace RealtimeMM.Tests.Scenes;

/// <summary>What the ground truth says a generated scene's answer is, for tests that know the scene.</summary>
internal static class SceneTruth
{
    /// <summary>
    /// The answer label to <paramref name="question"/>: the scene's own question when it asked it, else
    /// "how many Xs are there" and "is there a/an X" from its labelled objects. Null when the truth
    /// leaves it open (a partly visible X) or the question is neither.
    /// </summary>
    public static string? Of(SceneFrame s, string question)
    {
        if (s.Questions.FirstOrDefault(q => q.Question == question) is { } asked)
            return AnswerVocabulary.Label(asked.Answer);
        var words = question.Split(' ');
        string? cls = SceneWorld.Classes.FirstOrDefault(c => words.Contains(c) || words.Contains(SceneWorld.Plural(c)));
        if (cls is null || s.PartlyVisibleClasses.Contains(cls))
            return null;
        int n = s.Objects.Count(o => o.Class == cls);
        return question.StartsWith("how many ", StringComparison.Ordinal) ? n.ToString()
            : question.StartsWith("is there ", StringComparison.Ordinal) ? (n > 0 ? "yes" : "no")
            : null;
    }
}
