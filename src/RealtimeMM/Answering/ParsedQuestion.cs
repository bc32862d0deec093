namespace RealtimeMM.Answering;

/// <summary>A typed question as the model will read it: the parsed value every answerer receives.</summary>
/// <param name="Asked">The question as asked.</param>
/// <param name="Text">The words the model reads: the question as asked, or its rewording in the world's own words.</param>
/// <param name="Kind">What it asks for.</param>
/// <param name="Rewritten">Whether <paramref name="Text"/> differs from the question as asked.</param>
/// <param name="Refusal">Why it cannot be asked (unknown words, nothing but filler words); null when it can.</param>
/// <param name="UnknownWords">Whether the refusal is for words it could not place (the model may still be asked as typed, and says "unanswerable").</param>
/// <param name="Subject">The world's class the question is about (singular), if it names one.</param>
/// <param name="Color">The world's color the question names, if any.</param>
public sealed record ParsedQuestion(string Asked, string Text, QuestionKind Kind, bool Rewritten, string? Refusal,
    bool UnknownWords = false, string? Subject = null, string? Color = null);
