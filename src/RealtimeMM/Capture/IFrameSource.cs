using RealtimeMM.Frames;

namespace RealtimeMM.Capture;

/// <summary>
/// A source of frames: camera, video file, stream, image folder or replay clip. Not thread-safe:
/// one reader at a time (put a <see cref="FramePump"/> in front to share it through a
/// <see cref="FrameSlot"/>).
/// </summary>
public interface IFrameSource : IDisposable
{
    /// <summary>What was opened.</summary>
    FrameSourceInfo Info { get; }

    /// <summary>
    /// Reads the next frame, which the caller owns and disposes. Returns null at the end of a
    /// recorded source, or when a live source closed its end. Throws
    /// <see cref="FrameSourceException"/> when the source fails.
    /// </summary>
    Frame? Read(CancellationToken cancellationToken = default);
}
