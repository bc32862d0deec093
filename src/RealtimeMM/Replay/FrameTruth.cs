using System.Text.Json.Serialization;

namespace RealtimeMM.Replay;

/// <summary>A frame's entry in a sidecar: its timestamp and, where known, ground truth.</summary>
public sealed record FrameTruth(long Index, double TimestampMs, ObjectTruth[]? Objects = null, QuestionTruth[]? Questions = null)
{
    /// <summary>The timestamp at TimeSpan's tick precision (100 ns): exact round trip through <see cref="ToMilliseconds"/>.</summary>
    [JsonIgnore]
    public TimeSpan Timestamp => TimeSpan.FromTicks((long)Math.Round(TimestampMs * TimeSpan.TicksPerMillisecond));

    /// <summary>Milliseconds as the sidecar stores them, exact to the tick.</summary>
    public static double ToMilliseconds(TimeSpan t) => t.Ticks / (double)TimeSpan.TicksPerMillisecond;
}
