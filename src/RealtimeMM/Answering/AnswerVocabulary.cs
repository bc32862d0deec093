using RealtimeMM.Bundle;
using RealtimeMM.Fusion;

namespace RealtimeMM.Answering;

/// <summary>
/// The two answers every world has beside its own words: "several" (the question's "the X" matches
/// more than one object; the SDK then says how many) and "unanswerable" (words or objects outside
/// the world). A bundle's whole answer vocabulary is its world's (<see cref="World.Answers"/>).
/// </summary>
public static class AnswerVocabulary
{
    public const string Several = World.Several, Unanswerable = World.Unanswerable;

    /// <summary>The training label of a ground-truth answer ("there are 2 cars" is "several").</summary>
    public static string Label(string answer) => answer.StartsWith("there are ", StringComparison.Ordinal) ? Several : answer;
}
