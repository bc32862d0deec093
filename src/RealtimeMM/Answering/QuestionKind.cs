namespace RealtimeMM.Answering;

/// <summary>What a question asks for (docs/scenes.md's five kinds, a description, or unknown).</summary>
public enum QuestionKind
{
    Unknown,
    Color,
    Count,
    Exist,
    Position,
    Identify,
    Describe,
}
