using System.Diagnostics;
using System.Runtime.InteropServices;

namespace RealtimeMM.Speech;

public static class AudioInput
{
    /// <summary>"default", "mic", an ALSA device name (hw:1,0, plughw:1) or a WAV file (played in real time, then silence).</summary>
    public static IAudioInput Open(string spec) =>
        spec.EndsWith(".wav", StringComparison.OrdinalIgnoreCase) ? new WavAudioInput(spec) : new AlsaAudioInput(spec == "mic" ? "default" : spec);
}
