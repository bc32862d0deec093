using RealtimeMM.Answering;
using RealtimeMM.Bundle;

namespace RealtimeMM.Teaching;

/// <summary>What a taught name may be, and how questions say it.</summary>
public static class TaughtNames
{
    public const int MaxLength = 64;

    /// <summary>
    /// The name as the vocabulary keeps it: trimmed, lower case, single spaces. Throws
    /// <see cref="ArgumentException"/> naming the problem when it is empty, longer than 64
    /// characters, or holds anything but letters, digits, spaces, hyphens and apostrophes.
    /// </summary>
    public static string Normalise(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
            throw new ArgumentException("the name is empty", nameof(name));
        string n = string.Join(' ', name.Trim().ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries));
        if (n.Length > MaxLength)
            throw new ArgumentException($"the name '{n[..20]}…' has {n.Length} characters; at most {MaxLength}", nameof(name));
        if (n.FirstOrDefault(c => !(char.IsLetterOrDigit(c) || c is ' ' or '-' or '\'')) is var bad and not '\0')
            throw new ArgumentException($"the name '{n}' holds '{bad}': use letters, digits, spaces, hyphens and apostrophes", nameof(name));
        if (!n.Any(char.IsLetter))
            throw new ArgumentException($"the name '{n}' has no letter: questions could not say it", nameof(name));
        return n;
    }

    /// <summary>Where in the question's words the name (or its plural) stands: the first word's index and the word count, or null.</summary>
    public static (int At, int Length, bool Plural)? Find(IReadOnlyList<string> words, string name)
    {
        foreach (var (form, plural) in new[] { (name, false), (English.Plural(name), true) })
        {
            var parts = QuestionTokenizer.Words(form);
            for (int i = 0; i + parts.Length <= words.Count; i++)
                if (parts.Select((p, k) => words[i + k] == p).All(x => x))
                    return (i, parts.Length, plural);
        }
        return null;
    }
}
