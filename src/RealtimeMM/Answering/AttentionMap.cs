namespace RealtimeMM.Answering;

/// <summary>Where the model looked: the [CLS] token's cross-attention over the patch grid (last layer, mean over heads).</summary>
/// <param name="Values">GridHeight rows of GridWidth values, summing to at most 1 (the rest went to the null token).</param>
/// <param name="PeakX">Center of the strongest cell, in source-frame pixels.</param>
public sealed record AttentionMap(int GridWidth, int GridHeight, float[] Values, double PeakX, double PeakY);
