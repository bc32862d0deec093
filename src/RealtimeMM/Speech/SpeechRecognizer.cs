using System.Diagnostics;
using System.Runtime.InteropServices;
using static RealtimeMM.Speech.PocketSphinxNative;

namespace RealtimeMM.Speech;

/// <summary>
/// Offline speech recognition with Debian's PocketSphinx, constrained to a <see cref="SpeechGrammar"/>.
/// Not thread-safe: one decoder, one utterance at a time.
/// </summary>
public sealed unsafe class SpeechRecognizer : IDisposable
{
    public const string DefaultModelFolder = "/usr/share/pocketsphinx/model/en-us";
    PocketSphinxDecoder? decoder;
    string? dictionaryFile;

    public SpeechGrammar Grammar { get; }

    /// <summary>Hypotheses kept from the recogniser's n-best list (distinct texts).</summary>
    public int MaxHypotheses { get; init; } = 8;

    /// <param name="speaker">A profile from <see cref="SpeakerAdaptation.Enroll"/>: the acoustic model adapted to one voice (read at construction).</param>
    public SpeechRecognizer(SpeechGrammar grammar, string modelFolder = DefaultModelFolder, bool log = false, IReadOnlyList<string>? extraArguments = null,
        SpeakerProfile? speaker = null)
    {
        Grammar = grammar;
        string hmm = Path.Combine(modelFolder, "en-us"), dict = Path.Combine(modelFolder, "cmudict-en-us.dict");
        if (!Directory.Exists(hmm) || !File.Exists(dict))
            throw new SpeechUnavailableException($"speech: acoustic model not found ({hmm}, {dict}): {PocketSphinxDecoder.Install}");
        try
        {
            // whole utterances are decoded at once: cepstral mean normalisation over the utterance itself (live CMN
            // starts from a prior and makes the first words of a session depend on how the audio happens to begin);
            // dither (seeded): digital silence (exact zeros, as synthetic or padded audio has) otherwise gives
            // log(0) features that wreck the normalisation; beams wider than the defaults (1e-48), so the grammar's final state survives
            // (else "final result does not match the grammar" and no words at all); a language weight of 3 instead
            // of 6.5 (measured on espeak-ng voices: 85% -> 86% of sentences exact; 12 gives 64%); 32 Gaussians per frame
            // instead of 4 (96.6% -> 96.8% on 468 questions about generated scenes, 4 voices; decoding stays far inside real time);
            // the grammar's own dictionary (SpeechDictionary: doubled consonants said once; 96.8% -> 97.2%)
            dictionaryFile = Path.Combine(Path.GetTempPath(), $"rtmm-speech-{Environment.ProcessId}-{Guid.NewGuid():N}.dict");
            File.WriteAllText(dictionaryFile, SpeechDictionary.For(grammar, dict));
            var settings = new Dictionary<string, string>
            {
                ["-hmm"] = hmm, ["-dict"] = dictionaryFile, ["-cmn"] = "batch", ["-dither"] = "yes", ["-seed"] = "1", ["-topn"] = "32",
                ["-beam"] = "1e-60", ["-pbeam"] = "1e-60", ["-wbeam"] = "1e-40", ["-lw"] = "3", ["-logfn"] = log ? "/dev/stderr" : "/dev/null",
            };
            if (speaker is not null)
                settings["-mean"] = speaker.MeansFile;
            for (int i = 0; i + 1 < (extraArguments?.Count ?? 0); i += 2)
                settings[extraArguments![i]] = extraArguments[i + 1]; // the caller's settings replace these
            decoder = PocketSphinxDecoder.Create(settings, modelFolder, log);
            if (ps_set_jsgf_string(decoder.Handle, "questions", grammar.Jsgf) < 0)
                throw new SpeechUnavailableException("speech: PocketSphinx rejected the question grammar (a word missing from its dictionary?)");
            if (ps_set_search(decoder.Handle, "questions") < 0)
                throw new SpeechUnavailableException("speech: PocketSphinx could not select the question grammar");
            DeleteDictionary();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Decodes one utterance of 16 kHz mono 16-bit audio.</summary>
    public SpeechResult Recognize(ReadOnlySpan<short> pcm)
    {
        ObjectDisposedException.ThrowIf(decoder is null, this);
        nint ps = decoder!.Handle;
        var clock = Stopwatch.StartNew();
        if (ps_start_utt(ps) < 0)
            throw new InvalidOperationException("speech: PocketSphinx could not start an utterance");
        fixed (short* p = pcm)
            ps_process_raw(ps, p, (nuint)pcm.Length, 0, 1);
        ps_end_utt(ps);
        // The Viterbi best path (ps_get_hyp) is the recogniser's answer; the n-best list from the lattice
        // adds alternatives, with scores on their own scale that do not always rank that answer first.
        // It leads, scored as the best of the list, and the alternatives follow by their scores.
        var best = ps_get_hyp(ps, out _);
        string? first = best != 0 && Marshal.PtrToStringUTF8(best) is { Length: > 0 } text && Grammar.Accepts(text) ? text : null;
        var alternatives = new Dictionary<string, double>();
        nint it = first is null ? 0 : ps_nbest(ps);
        for (int seen = 0; it != 0; seen++)
        {
            var h = ps_nbest_hyp(it, out int score);
            // the list also holds paths that stop part-way through a sentence: only whole questions count
            if (h != 0 && Marshal.PtrToStringUTF8(h) is { Length: > 0 } alt && Grammar.Accepts(alt))
                alternatives[alt] = Math.Max(alternatives.GetValueOrDefault(alt, double.NegativeInfinity), ToNaturalLog(score));
            if (alternatives.Count >= MaxHypotheses * 2 || seen >= 200)
            {
                ps_nbest_free(it); // stopping early frees the iterator; running out frees it inside ps_nbest_next
                break;
            }
            it = ps_nbest_next(it);
        }
        var hypotheses = new List<SpeechHypothesis>();
        if (first is not null)
        {
            double top = alternatives.Count > 0 ? alternatives.Values.Max() : 0;
            hypotheses.Add(new(first, top));
            hypotheses.AddRange(alternatives.Where(a => a.Key != first).OrderByDescending(a => a.Value).Take(MaxHypotheses - 1).Select(a => new SpeechHypothesis(a.Key, a.Value)));
        }
        return new SpeechResult(hypotheses, pcm.Length * 1000.0 / WavFile.SpeechRate, clock.Elapsed.TotalMilliseconds);
    }

    /// <summary>The decoder read the dictionary at init: the file is not needed after it.</summary>
    void DeleteDictionary()
    {
        if (dictionaryFile is null)
            return;
        try
        {
            File.Delete(dictionaryFile);
        }
        catch (IOException)
        {
        }
        dictionaryFile = null;
    }

    public void Dispose()
    {
        DeleteDictionary();
        decoder?.Dispose();
        decoder = null;
    }
}
