using RealtimeMM.Features;

namespace RealtimeMM.Teaching;

/// <summary>One thing found that looks like a taught name: its box in frame pixels, and how far its best cell's likeness to the examples stands above the background's.</summary>
public sealed record TaughtInstance(BoxF Box, float Score, double PeakX, double PeakY);
