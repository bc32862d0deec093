namespace RealtimeMM.Speech;

/// <summary>
/// Enrolment's forced alignment: a sentence's phones from the pronunciation dictionary, and the
/// Viterbi path of a recording's frames through their states (<see cref="SpeakerAdaptation"/>).
/// </summary>
internal static class ForcedAlignment
{
    public static Dictionary<string, string[]> ReadDictionary(string path)
    {
        var words = new Dictionary<string, string[]>();
        foreach (var line in File.ReadLines(path))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length > 1 && !parts[0].Contains('('))
                words.TryAdd(parts[0], parts[1..]);
        }
        return words;
    }

    /// <summary>The sentence's phones with silence at both ends and optional silence between words.</summary>
    public static (int Phone, bool Optional)[] PhoneSequence(string text, Dictionary<string, string[]> dictionary, Dictionary<string, int> phoneIds, int silence)
    {
        var words = text.ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0)
            throw new ArgumentException("enrolment: a recording has no text", nameof(text));
        var phones = new List<(int, bool)> { (silence, false) };
        for (int w = 0; w < words.Length; w++)
        {
            if (!dictionary.TryGetValue(words[w], out var pron))
                throw new ArgumentException($"enrolment: \"{words[w]}\" (in \"{text}\") is not in the pronunciation dictionary", nameof(text));
            phones.AddRange(pron.Select(p => (phoneIds[p], false)));
            phones.Add((silence, w < words.Length - 1));
        }
        return phones.ToArray();
    }

    /// <summary>
    /// Viterbi alignment of the frames with the phones' context-independent states (3 each, left to right,
    /// every transition equally likely; an optional phone may be skipped). The senone of each frame, or null
    /// when the recording is too short for the sentence.
    /// </summary>
    public static int[]? Align(PtmAcousticModel model, float[][] features, (int Phone, bool Optional)[] phones)
    {
        int states = phones.Length * 3, frames = features.Length;
        if (frames < states)
            return null;
        var senone = new int[states];
        for (int j = 0; j < states; j++)
            senone[j] = phones[j / 3].Phone * 3 + j % 3;
        var used = senone.Distinct().Order().ToArray();
        var score = new double[states];
        var next = new double[states];
        var back = new int[frames * states];
        var emit = new double[model.Senones];
        var densities = new double[model.Density];
        var cached = new double[model.Streams][];
        for (int f = 0; f < model.Streams; f++)
            cached[f] = new double[model.Density];
        Array.Fill(score, double.NegativeInfinity);
        for (int t = 0; t < frames; t++)
        {
            for (int f = 0; f < model.Streams; f++)
            {
                int lastCodebook = -1;
                foreach (var s in used)
                {
                    int codebook = s / 3;
                    if (codebook != lastCodebook)
                        model.Densities(codebook, f, features[t].AsSpan(f * model.Dim, model.Dim), cached[f]);
                    lastCodebook = codebook;
                    cached[f].CopyTo(densities, 0);
                    emit[s] = (f == 0 ? 0 : emit[s]) + model.Mix(s, f, densities);
                }
            }
            for (int j = 0; j < states; j++)
            {
                double best;
                int from;
                if (t == 0)
                    (best, from) = (j == 0 ? 0 : double.NegativeInfinity, 0);
                else
                {
                    (best, from) = (score[j], j);
                    if (j > 0 && score[j - 1] > best)
                        (best, from) = (score[j - 1], j - 1);
                    if (j % 3 == 0 && j >= 6 && phones[j / 3 - 1].Optional && score[j - 4] > best)
                        (best, from) = (score[j - 4], j - 4);
                }
                next[j] = double.IsNegativeInfinity(best) ? best : best + emit[senone[j]];
                back[t * states + j] = from;
            }
            (score, next) = (next, score);
        }
        if (double.IsNegativeInfinity(score[states - 1]))
            return null;
        var path = new int[frames];
        for (int t = frames - 1, j = states - 1; t >= 0; t--)
        {
            path[t] = senone[j];
            j = back[t * states + j];
        }
        return path;
    }
}
