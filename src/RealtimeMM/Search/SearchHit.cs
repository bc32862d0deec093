namespace RealtimeMM.Search;

/// <summary>A stored frame that matched a query: its row in the store, frame number, timestamp and cosine similarity.</summary>
public readonly record struct SearchHit(int Row, long FrameIndex, double Seconds, float Score);
