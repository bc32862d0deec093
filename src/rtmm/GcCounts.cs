namespace RealtimeMM.Cli;

/// <summary>
/// The garbage collector's work so far in this process: bytes allocated, collections per generation
/// and the time managed threads were paused. The difference of two readings is what a stretch of
/// work cost, which a real-time loop wants near zero (a gen 2 collection pauses longest).
/// </summary>
readonly record struct GcCounts(long AllocatedBytes, int Gen0, int Gen1, int Gen2, TimeSpan Paused)
{
    public static GcCounts Now() =>
        new(GC.GetTotalAllocatedBytes(precise: false), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());

    public static GcCounts operator -(GcCounts a, GcCounts b) =>
        new(a.AllocatedBytes - b.AllocatedBytes, a.Gen0 - b.Gen0, a.Gen1 - b.Gen1, a.Gen2 - b.Gen2, a.Paused - b.Paused);

    /// <summary>For a JSON summary: kilobytes allocated per frame, collections per generation (a gen 1 collection counts in gen 0 too), total pause.</summary>
    public GcSummary Summary(int frames) =>
        new(Math.Round(AllocatedBytes / 1024.0 / Math.Max(1, frames), 1), Gen0, Gen1, Gen2, Math.Round(Paused.TotalMilliseconds, 1));
}

#pragma warning disable IDE1006 // JSON field names
readonly record struct GcSummary(double allocated_kb_per_frame, int gen0, int gen1, int gen2, double paused_ms);
