namespace RealtimeMM.Search;

/// <summary>One stored frame: its number in the source, its timestamp and its image embedding (L2-normalised).</summary>
public readonly record struct IndexedFrame(long FrameIndex, double Seconds, float[] Embedding);
