using RealtimeMM.Frames;
using RealtimeMM.Replay;

namespace RealtimeMM.Scenes;

/// <summary>A rendered scene: BGR24 pixels (tightly packed) with full ground truth.</summary>
public sealed class SceneFrame
{
    internal SceneFrame(int width, int height, byte[] bgr, ObjectTruth[] objects, QuestionTruth[] questions, string[]? partlyVisibleClasses = null)
    {
        PartlyVisibleClasses = partlyVisibleClasses ?? [];
        Width = width;
        Height = height;
        Bgr = bgr;
        Objects = objects;
        Questions = questions;
    }

    public int Width { get; }
    public int Height { get; }

    /// <summary>Pixels, <c>Width * 3</c> bytes a row.</summary>
    public byte[] Bgr { get; }

    /// <summary>Objects with at least half of their area visible, in drawing order.</summary>
    public ObjectTruth[] Objects { get; }

    /// <summary>
    /// Classes of objects that are in view but less than half visible (at an edge, or mostly
    /// covered): not labelled, so whether they are "there" is left open, and no question depends on them.
    /// </summary>
    public string[] PartlyVisibleClasses { get; }

    /// <summary>Questions about this frame with their answers.</summary>
    public QuestionTruth[] Questions { get; }

    /// <summary>A pooled copy of the pixels as a frame (the caller owns and disposes it).</summary>
    public Frame ToFrame(long index, TimeSpan timestamp) => Frame.CopyFrom(Bgr, Width, Height, Width * 3, index, timestamp);

    /// <summary>Ground truth as a sidecar entry.</summary>
    public FrameTruth ToTruth(long index, TimeSpan timestamp) => new(index, FrameTruth.ToMilliseconds(timestamp), Objects, Questions);
}
