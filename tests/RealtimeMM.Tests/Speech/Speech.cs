using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;
using RealtimeMM.Speech;

namespace RealtimeMM.Tests.Speech;

/// <summary>Test speech from espeak-ng, shaped by sox: real synthetic voices, real files.</summary>
internal static class Speak
{
    /// <summary>Writes <paramref name="text"/> spoken by <paramref name="voice"/> with half a second of silence each side.</summary>
    public static string Wav(string folder, string name, string text, string voice = "en-us", int speed = 165, string? soxEffects = null)
    {
        string raw = Path.Combine(folder, name + ".raw.wav"), wav = Path.Combine(folder, name + ".wav");
        Tools.Run("espeak-ng", $"-v {voice} -s {speed} -w \"{raw}\" \"{text}\"");
        Tools.Run("sox", $"\"{raw}\" \"{wav}\" pad 0.5 0.5 {soxEffects}");
        return wav;
    }

    /// <summary>Word error count between a reference and a hypothesis (Levenshtein over words), after the harmless spellings are aligned.</summary>
    public static int WordErrors(string reference, string hypothesis)
    {
        string[] r = Normal(reference), h = Normal(hypothesis);
        var d = new int[r.Length + 1, h.Length + 1];
        for (int i = 0; i <= r.Length; i++)
            d[i, 0] = i;
        for (int j = 0; j <= h.Length; j++)
            d[0, j] = j;
        for (int i = 1; i <= r.Length; i++)
            for (int j = 1; j <= h.Length; j++)
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (r[i - 1] == h[j - 1] ? 0 : 1));
        return d[r.Length, h.Length];
    }

    /// <summary>Words compared as meaning: "colour" is "color", "where's" is "where is", "an" is "a".</summary>
    public static string[] Normal(string text) => string.Join(' ', text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        .Replace("colour", "color").Replace("where's", "where is").Replace("what's", "what is")
        .Split(' ').Select(w => w == "an" ? "a" : w).ToArray();

    static readonly Lazy<SpeechGrammar> grammar = new(() =>
    {
        using var bundle = ModelBundle.Load(ModelBundle.DefaultFolder);
        return SpeechGrammar.For(bundle);
    });

    public static SpeechGrammar Grammar => grammar.Value;
}
