using RealtimeMM.Bundle;

namespace RealtimeMM.Answering;

/// <summary>
/// Where a question is parsed: its kind from its cue words, and (with <see cref="QuestionNormaliser"/>)
/// its subject and color in the world's words.
/// </summary>
public static class QuestionParser
{
    /// <summary>The question's kind from its words.</summary>
    public static QuestionKind KindOf(string question)
    {
        var w = QuestionTokenizer.Words(question);
        string s = " " + string.Join(' ', w) + " ";
        if (w.FirstOrDefault() == "describe" || s is " what do you see " or " what can you see " || s.StartsWith(" what is in the ") || s.StartsWith(" what's in the "))
            return QuestionKind.Describe;
        if (w.Contains("color") || w.Contains("colour"))
            return QuestionKind.Color;
        if (s.Contains(" how many ") || w.FirstOrDefault() == "count")
            return QuestionKind.Count;
        if (w.FirstOrDefault() is "where" or "where's" || s.Contains(" which part "))
            return QuestionKind.Position;
        if (s.StartsWith(" is there ") || s.StartsWith(" are there ") || s.StartsWith(" do you see ") || s.StartsWith(" can you see "))
            return QuestionKind.Exist;
        if (s.StartsWith(" what is the ") || s.StartsWith(" which object ") || s.StartsWith(" what kind ") || s.StartsWith(" what's the "))
            return QuestionKind.Identify;
        return QuestionKind.Unknown;
    }

    /// <summary>The kind as the JSON contract and the world's phrasings name it ("color", …, "describe", "unknown").</summary>
    public static string Name(this QuestionKind kind) => kind.ToString().ToLowerInvariant();

    /// <summary>The kind of a kind's name ("color"); <see cref="QuestionKind.Unknown"/> for any other word.</summary>
    public static QuestionKind KindNamed(string name) =>
        Enum.TryParse<QuestionKind>(name, ignoreCase: true, out var k) && name == k.Name() ? k : QuestionKind.Unknown;

    /// <summary>The world's class (singular) and color a question's words name, the first of each.</summary>
    public static (string? Subject, string? Color) SubjectOf(World world, string text)
    {
        var words = QuestionTokenizer.Words(text);
        string? subject = words.Select(w => world.Classes.FirstOrDefault(c => c == w || world.Plural(c) == w)).FirstOrDefault(c => c is not null);
        string? color = words.FirstOrDefault(world.Colors.Contains);
        return (subject, color);
    }
}
