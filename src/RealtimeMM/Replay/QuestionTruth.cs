namespace RealtimeMM.Replay;

/// <summary>A question about a frame with its expected answer.</summary>
/// <param name="Question">The question as a user would type it.</param>
/// <param name="Kind">color, count, exist, position or identify.</param>
/// <param name="Answer">The expected answer text.</param>
/// <param name="ObjectIds">The objects the answer is about: where attention should point.</param>
public sealed record QuestionTruth(string Question, string Kind, string Answer, int[]? ObjectIds = null);
