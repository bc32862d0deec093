namespace RealtimeMM.Answering;

/// <summary>
/// One way of answering questions about a frame. <see cref="QuestionAnswerer"/> parses each
/// question and gives it to the first answerer that can take it (those added with
/// <see cref="QuestionAnswerer.AddAnswerer"/> first, the bundle's scene model last); every answer
/// names the answerer that gave it (<see cref="Answer.Answerer"/>, <c>answerer</c> in the JSON) and
/// reports a calibrated <see cref="Answer.Confidence"/>, <see cref="Answer.NotSure"/> and the
/// frame's in-world flag as the scene model does.
/// </summary>
public interface IAnswerer
{
    /// <summary>The name answers carry ("scene-model", "taught-examples", …).</summary>
    string Name { get; }

    /// <summary>Whether it takes this question about this frame (the scene model takes every one).</summary>
    bool CanAnswer(ParsedQuestion question, FrameEncoding frame);

    /// <summary>
    /// Whether it takes this question about any frame it reads (it names a taught name, say): how a
    /// text alert or standing question the scene model's words cannot say is accepted before a frame comes.
    /// </summary>
    bool Takes(ParsedQuestion question) => false;

    /// <summary>Answers questions it said it can take, in order, one answer each.</summary>
    IReadOnlyList<Answer> Answer(FrameEncoding frame, IReadOnlyList<ParsedQuestion> questions);
}
