using System.Diagnostics;
using System.Runtime.InteropServices;

namespace RealtimeMM.Speech;

/// <summary>A microphone through ALSA (libasound2), opened at 16 kHz mono 16-bit (ALSA converts when the device cannot).</summary>
public sealed unsafe partial class AlsaAudioInput : IAudioInput
{
    const string Lib = "libasound.so.2";
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] private static partial int snd_pcm_open(out nint pcm, string name, int stream, int mode);
    [LibraryImport(Lib)] private static partial int snd_pcm_set_params(nint pcm, int format, int access, uint channels, uint rate, int softResample, uint latencyUs);
    [LibraryImport(Lib)] private static partial nint snd_pcm_readi(nint pcm, short* buffer, nuint frames);
    [LibraryImport(Lib)] private static partial int snd_pcm_recover(nint pcm, int error, int silent);
    [LibraryImport(Lib)] private static partial int snd_pcm_close(nint pcm);
    [LibraryImport(Lib)] private static partial nint snd_strerror(int error);

    const int Capture = 1, FormatS16Le = 2, AccessInterleaved = 3;
    nint pcm;

    public AlsaAudioInput(string device)
    {
        Name = device;
        try
        {
            int rc = snd_pcm_open(out pcm, device, Capture, 0);
            if (rc < 0)
                throw new AudioInputException($"microphone '{device}': {Error(rc)} (is a capture device connected? `arecord -l` lists them; pass --audio hw:CARD,DEV or a WAV file)");
            rc = snd_pcm_set_params(pcm, FormatS16Le, AccessInterleaved, 1, (uint)WavFile.SpeechRate, 1, 100_000);
            if (rc < 0)
            {
                snd_pcm_close(pcm);
                pcm = 0;
                throw new AudioInputException($"microphone '{device}': cannot record 16 kHz mono: {Error(rc)}");
            }
        }
        catch (DllNotFoundException e)
        {
            throw new AudioInputException($"microphone '{device}': ALSA is not installed ({e.Message.Split('\n')[0]}): apt-get install libasound2");
        }
    }

    public string Name { get; }

    public int Read(Span<short> buffer, CancellationToken cancel)
    {
        ObjectDisposedException.ThrowIf(pcm == 0, this);
        cancel.ThrowIfCancellationRequested();
        fixed (short* p = buffer)
        {
            long n = snd_pcm_readi(pcm, p, (nuint)buffer.Length);
            if (n < 0 && snd_pcm_recover(pcm, (int)n, 1) >= 0) // an overrun: recovered, try once more
                n = snd_pcm_readi(pcm, p, (nuint)buffer.Length);
            if (n < 0)
                throw new AudioInputException($"microphone '{Name}': {Error((int)n)}");
            return (int)n;
        }
    }

    static string Error(int rc) => Marshal.PtrToStringUTF8(snd_strerror(rc)) ?? $"error {rc}";

    public void Dispose()
    {
        if (pcm != 0)
            snd_pcm_close(pcm);
        pcm = 0;
    }
}
