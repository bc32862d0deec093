using System.Diagnostics;

namespace RealtimeMM.Speech;

/// <summary>
/// Pronunciations of words CMUdict lacks (taught names: "zorbix"), from Debian's espeak-ng
/// (<c>espeak-ng -q -v en-us -x WORD</c>: its ASCII phoneme names), mapped to the recogniser's
/// CMUdict phones (ARPAbet, no stress). Longest phoneme names match first; stress and syllable
/// marks are dropped.
/// </summary>
internal static class EspeakPronunciation
{
    static readonly (string Espeak, string[] Arpabet)[] Map = new (string, string[])[]
    {
        ("aI@", ["AY", "ER"]), ("aU@", ["AW", "ER"]), ("i@3", ["IH", "R"]), ("3r", ["ER"]), ("O2", ["AO"]),
        ("aI", ["AY"]), ("aU", ["AW"]), ("A:", ["AA"]), ("A@", ["AA", "R"]), ("O:", ["AO"]), ("O@", ["AO", "R"]), ("o@", ["AO", "R"]), ("OI", ["OY"]),
        ("@L", ["AH", "L"]), ("@2", ["AH"]), ("@5", ["AH"]), ("3:", ["ER"]), ("e@", ["EH", "R"]), ("eI", ["EY"]), ("i:", ["IY"]), ("i@", ["IH", "R"]),
        ("I2", ["IH"]), ("I#", ["IH"]), ("oU", ["OW"]), ("u:", ["UW"]), ("U@", ["UH", "R"]), ("a#", ["AH"]), ("aa", ["AE"]), ("tS", ["CH"]), ("dZ", ["JH"]),
        ("r-", ["R"]), ("t#", ["T"]), ("n-", ["N"]), ("l#", ["L"]), ("@", ["AH"]), ("3", ["ER"]), ("a", ["AE"]), ("0", ["AA"]), ("O", ["AO"]), ("E", ["EH"]),
        ("I", ["IH"]), ("i", ["IY"]), ("U", ["UH"]), ("V", ["AH"]), ("o", ["OW"]), ("e", ["EH"]), ("u", ["UW"]),
        ("p", ["P"]), ("b", ["B"]), ("t", ["T"]), ("d", ["D"]), ("k", ["K"]), ("g", ["G"]), ("f", ["F"]), ("v", ["V"]), ("T", ["TH"]), ("D", ["DH"]),
        ("s", ["S"]), ("z", ["Z"]), ("S", ["SH"]), ("Z", ["ZH"]), ("h", ["HH"]), ("x", ["HH"]), ("m", ["M"]), ("n", ["N"]), ("N", ["NG"]), ("l", ["L"]),
        ("r", ["R"]), ("j", ["Y"]), ("w", ["W"]),
    }.OrderByDescending(m => m.Item1.Length).ToArray();

    /// <summary>The word's phones, or null when espeak-ng is missing or says something this map cannot read.</summary>
    public static string[]? Phones(string word)
    {
        string text;
        try
        {
            using var p = Process.Start(new ProcessStartInfo("espeak-ng", ["-q", "-v", "en-us", "-x", word]) { RedirectStandardOutput = true, RedirectStandardError = true });
            if (p is null)
                return null;
            text = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit(10_000);
            if (p.ExitCode != 0)
                return null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // espeak-ng is not installed
        }
        return FromEspeak(text);
    }

    /// <summary>espeak-ng's phoneme text as ARPAbet phones; null when a phoneme has no mapping.</summary>
    public static string[]? FromEspeak(string espeak)
    {
        var phones = new List<string>();
        string s = new(espeak.Where(c => c is not ('\'' or ',' or '%' or '=' or '_' or ' ' or '\n')).ToArray());
        for (int at = 0; at < s.Length;)
        {
            var match = Map.FirstOrDefault(m => string.CompareOrdinal(s, at, m.Espeak, 0, m.Espeak.Length) == 0);
            if (match.Espeak is null)
                return null;
            phones.AddRange(match.Arpabet);
            at += match.Espeak.Length;
        }
        return phones.Count > 0 ? phones.ToArray() : null;
    }
}
