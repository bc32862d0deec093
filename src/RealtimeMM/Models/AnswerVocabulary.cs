using RealtimeMM.Scenes;

namespace RealtimeMM.Models;

/// <summary>
/// The answers the shipped model chooses from: the world's colors, counts 0–6, yes/no, positions,
/// classes, "several" (the question's "the X" matches more than one object; the SDK then says how
/// many) and "unanswerable" (words or objects outside the world).
/// </summary>
public static class AnswerVocabulary
{
    public const string Several = "several", Unanswerable = "unanswerable";

    public static IReadOnlyList<string> Default { get; } =
        [.. SceneWorld.Colors, "0", "1", "2", "3", "4", "5", "6", "yes", "no", .. SceneWorld.Positions, .. SceneWorld.Classes, Several, Unanswerable];

    /// <summary>The training label of a ground-truth answer ("there are 2 cars" is "several").</summary>
    public static string Label(string answer) => answer.StartsWith("there are ", StringComparison.Ordinal) ? Several : answer;
}
