using System.Diagnostics;
using System.Runtime.InteropServices;

namespace RealtimeMM.Speech;

/// <summary>A WAV file served at the pace a microphone would deliver it, then silence (for demos and tests).</summary>
public sealed class WavAudioInput : IAudioInput
{
    readonly short[] samples;
    readonly Stopwatch clock = new();
    long served;

    public WavAudioInput(string path, bool realTime = true)
    {
        samples = WavFile.ReadSpeech(path);
        Name = Path.GetFileName(path);
        RealTime = realTime;
    }

    public string Name { get; }
    public bool RealTime { get; }

    public int Read(Span<short> buffer, CancellationToken cancel)
    {
        if (!clock.IsRunning)
            clock.Start();
        int n = buffer.Length;
        if (RealTime)
        {
            // wait until the microphone would have heard this much
            long due = (served + n) * 1000 / WavFile.SpeechRate - clock.ElapsedMilliseconds;
            if (due > 0)
                cancel.WaitHandle.WaitOne((int)due);
            cancel.ThrowIfCancellationRequested();
        }
        for (int i = 0; i < n; i++)
            buffer[i] = served + i < samples.Length ? samples[served + i] : (short)0;
        served += n;
        return n;
    }

    public void Dispose()
    {
    }
}
