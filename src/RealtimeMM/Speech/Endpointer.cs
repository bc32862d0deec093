namespace RealtimeMM.Speech;

/// <summary>
/// Energy-based endpointing on 16 kHz audio: 10 ms frames, a noise floor that is the quietest frame
/// of the last 1.5 s (minimum statistics: speech always has quiet gaps, steady noise does not),
/// speech where the level is well above that floor and above an absolute minimum. An utterance
/// starts after <see cref="StartMs"/> of speech and ends after <see cref="HangoverMs"/> of quiet;
/// shorter bursts (clicks, a cough) are dropped, and noise alone makes no utterance. A live stream
/// settles for 300 ms before anything can start; a whole recording (<see cref="Split"/>) starts
/// from its own quiet level, so speech at the very start of a file counts.
/// </summary>
public sealed class Endpointer
{
    const int FrameSamples = WavFile.SpeechRate / 100;

    public double MarginDb { get; init; } = 12;
    public double MinimumDbfs { get; init; } = -50;
    public int StartMs { get; init; } = 100;
    public int HangoverMs { get; init; } = 400;
    public int MinSpeechMs { get; init; } = 250;
    /// <summary>Audio kept before the detected start, so a soft first consonant is not cut.</summary>
    public int PrerollMs { get; init; } = 200;

    const int FloorFrames = 150, SettleFrames = 30;

    /// <summary>Noise floor to start from (dBFS); null: learn it during the first 300 ms.</summary>
    public double? InitialFloorDb { get; init; }

    // Only what an utterance can still need is kept: the open utterance, or, between utterances, the
    // frames a start would reach back to (start run + pre-roll). A stream that runs for hours holds
    // seconds of audio, not hours. firstFrame is the absolute index of audio's first frame.
    readonly List<short> audio = [];
    readonly Queue<double> levels = new();
    long frames, firstFrame, uttStart = -1;
    int speechRun, quietRun, voiced;

    /// <summary>An utterance: its samples (with pre-roll) and where it sits in the stream.</summary>
    public sealed record Utterance(short[] Samples, TimeSpan Start, TimeSpan End);

    /// <summary>Feeds samples; returns the utterances that ended within them.</summary>
    public IReadOnlyList<Utterance> Feed(ReadOnlySpan<short> samples)
    {
        var done = new List<Utterance>();
        foreach (var s in samples)
        {
            audio.Add(s);
            if (audio.Count % FrameSamples == 0 && Frame(frames++) is { } u)
                done.Add(u);
        }
        return done;
    }

    /// <summary>Ends the stream: an utterance still open is closed if it is long enough.</summary>
    public Utterance? Flush()
    {
        var u = uttStart >= 0 && voiced * 10 >= MinSpeechMs ? Cut(uttStart, frames) : null;
        uttStart = -1;
        return u;
    }

    /// <summary>Every utterance in a whole recording.</summary>
    public static IReadOnlyList<Utterance> Split(ReadOnlySpan<short> samples)
    {
        var frameLevels = new List<double>();
        for (int i = 0; i + FrameSamples <= samples.Length; i += FrameSamples)
            frameLevels.Add(Level(samples.Slice(i, FrameSamples)));
        frameLevels.Sort();
        var e = new Endpointer { InitialFloorDb = frameLevels.Count == 0 ? null : frameLevels[frameLevels.Count / 10] };
        var all = new List<Utterance>(e.Feed(samples));
        if (e.Flush() is { } last)
            all.Add(last);
        return all;
    }

    Utterance? Frame(long index)
    {
        var result = Decide(index);
        if (uttStart < 0)
        {
            // between utterances: drop the frames no start can reach back to
            long keepFrom = Math.Max(firstFrame, index + 1 - (StartMs + PrerollMs) / 10 - 1);
            audio.RemoveRange(0, (int)(keepFrom - firstFrame) * FrameSamples);
            firstFrame = keepFrom;
        }
        return result;
    }

    Utterance? Decide(long index)
    {
        double db = Level(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(audio).Slice((int)(index - firstFrame) * FrameSamples, FrameSamples));
        levels.Enqueue(db);
        if (levels.Count > FloorFrames)
            levels.Dequeue();
        double floor = levels.Min();
        long seen = index + 1;
        if (InitialFloorDb is { } initial && seen < FloorFrames)
            floor = Math.Min(floor, initial);
        else if (InitialFloorDb is null && seen < SettleFrames)
            return null; // still learning the floor
        bool speech = db > floor + MarginDb && db > MinimumDbfs;
        speechRun = speech ? speechRun + 1 : 0;
        quietRun = speech ? 0 : quietRun + 1;
        if (uttStart < 0)
        {
            if (speechRun * 10 >= StartMs)
            {
                uttStart = Math.Max(0, index - speechRun + 1 - PrerollMs / 10);
                voiced = speechRun;
            }
            return null;
        }
        if (speech)
            voiced++;
        if (quietRun * 10 < HangoverMs)
            return null;
        long start = uttStart;
        uttStart = -1;
        return voiced * 10 >= MinSpeechMs ? Cut(start, index + 1) : null;
    }

    static double Level(ReadOnlySpan<short> frame)
    {
        double energy = 0;
        foreach (var s in frame)
            energy += (double)s * s;
        return 10 * Math.Log10(energy / frame.Length / (32768.0 * 32768.0) + 1e-12);
    }

    Utterance Cut(long fromFrame, long toFrame)
    {
        fromFrame = Math.Max(fromFrame, firstFrame);
        int a = (int)(fromFrame - firstFrame) * FrameSamples, b = (int)Math.Min(audio.Count, (toFrame - firstFrame) * FrameSamples);
        return new Utterance(audio.GetRange(a, b - a).ToArray(), TimeSpan.FromMilliseconds(fromFrame * 10), TimeSpan.FromMilliseconds(toFrame * 10));
    }

    /// <summary>Samples held now (for tests: it stays bounded between utterances).</summary>
    internal int HeldSamples => audio.Count;
}
