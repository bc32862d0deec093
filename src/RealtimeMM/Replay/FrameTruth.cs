using System.Text.Json.Serialization;

namespace RealtimeMM.Replay;

/// <summary>A frame's entry in a sidecar: its timestamp and, where known, ground truth.</summary>
public sealed record FrameTruth(long Index, double TimestampMs, ObjectTruth[]? Objects = null, QuestionTruth[]? Questions = null)
{
    [JsonIgnore]
    public TimeSpan Timestamp => TimeSpan.FromMilliseconds(TimestampMs);
}
