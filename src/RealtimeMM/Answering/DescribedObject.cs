namespace RealtimeMM.Answering;

/// <summary>One kind of thing the model found: how many, and for a single one its color and place, with where it looked.</summary>
public sealed record DescribedObject(string Class, int Count, string? Color, string? Position, float Confidence, AttentionMap? Attention);
