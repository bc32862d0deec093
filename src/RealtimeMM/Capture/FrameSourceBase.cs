using System.Diagnostics;
using RealtimeMM.Frames;

namespace RealtimeMM.Capture;

/// <summary>
/// What every source shares: frame numbering, real-time pacing of recorded sources, strictly
/// increasing timestamps and the disposed check. Subclasses decode one frame in <see cref="ReadCore"/>.
/// </summary>
public abstract class FrameSourceBase : IFrameSource
{
    readonly Pacing pacing;
    long startTicks;
    long nextIndex;
    TimeSpan lastTimestamp = TimeSpan.MinValue;
    bool disposed;

    private protected FrameSourceBase(Pacing pacing) => this.pacing = pacing;

    public abstract FrameSourceInfo Info { get; }

    public Frame? Read(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        var frame = ReadCore(nextIndex, cancellationToken);
        if (frame is null)
            return null;
        if (frame.Timestamp <= lastTimestamp)
            frame.Timestamp = lastTimestamp + TimeSpan.FromTicks(1); // clocks and containers can repeat; consumers need order
        lastTimestamp = frame.Timestamp;
        nextIndex++;
        if (pacing == Pacing.RealTime && !Info.IsLive)
        {
            try
            {
                WaitUntilDue(frame.Timestamp, cancellationToken);
            }
            catch
            {
                frame.Dispose(); // cancelled while the frame waited for its time: it is nobody's
                throw;
            }
        }
        return frame;
    }

    /// <summary>Decodes frame number <paramref name="index"/>; null at the end.</summary>
    private protected abstract Frame? ReadCore(long index, CancellationToken cancellationToken);

    void WaitUntilDue(TimeSpan timestamp, CancellationToken cancellationToken)
    {
        if (startTicks == 0)
            startTicks = Stopwatch.GetTimestamp() - (long)(timestamp.TotalSeconds * Stopwatch.Frequency);
        var due = TimeSpan.FromSeconds((double)(Stopwatch.GetTimestamp() - startTicks) / Stopwatch.Frequency);
        var wait = timestamp - due;
        if (wait > TimeSpan.Zero)
            cancellationToken.WaitHandle.WaitOne(wait);
        cancellationToken.ThrowIfCancellationRequested();
    }

    public void Dispose()
    {
        if (disposed)
            return;
        disposed = true;
        DisposeCore();
        GC.SuppressFinalize(this);
    }

    private protected abstract void DisposeCore();
}
