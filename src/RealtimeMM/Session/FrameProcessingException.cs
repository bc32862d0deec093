namespace RealtimeMM.Session;

/// <summary>One frame could not be processed; the questions waiting on it get this, and the session goes on with the next frame.</summary>
public sealed class FrameProcessingException(long frameIndex, Exception inner)
    : Exception($"frame {frameIndex} could not be processed: {inner.Message}", inner)
{
    public long FrameIndex { get; } = frameIndex;
}
