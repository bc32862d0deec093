namespace RealtimeMM.Speech;

/// <summary>A source of 16 kHz mono 16-bit audio: a microphone, or a WAV file played as if it were one.</summary>
public interface IAudioInput : IDisposable
{
    string Name { get; }

    /// <summary>Blocks until some audio is there; fills <paramref name="buffer"/> and returns the sample count (0: the input ended).</summary>
    int Read(Span<short> buffer, CancellationToken cancel);
}
