using RealtimeMM.Frames;

namespace RealtimeMM.Answering;

/// <summary>
/// An answerer that reads the frame's pixels itself (its own features), not only the scene model's
/// encoding: <see cref="QuestionAnswerer.Encode"/> calls <see cref="Read"/> for every frame, and the
/// answerer keeps what it made with <see cref="FrameEncoding.Attach"/> for its answers about that frame.
/// </summary>
public interface IFrameReader
{
    /// <summary>Whether it needs this frame at all (an answerer with nothing to look for skips the work).</summary>
    bool WantsFrames { get; }

    /// <summary>Reads the frame and attaches what it needs to <paramref name="encoding"/>.</summary>
    void Read(ImageView frame, FrameEncoding encoding);
}
