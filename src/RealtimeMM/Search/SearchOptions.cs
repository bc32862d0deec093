namespace RealtimeMM.Search;

/// <summary>How many hits, from which stretch of time, and how far apart.</summary>
public sealed record SearchOptions
{
    /// <summary>Hits to return (best first).</summary>
    public int Top { get; init; } = 5;

    /// <summary>Only frames at or after this timestamp (seconds); null: from the start.</summary>
    public double? From { get; init; }

    /// <summary>Only frames at or before this timestamp (seconds); null: to the end.</summary>
    public double? To { get; init; }

    /// <summary>
    /// Hits closer in time than this to a better hit are left out, so one appearance of a red car
    /// is one hit, not the ten frames around it. 0 keeps them all.
    /// </summary>
    public double MinGapSeconds { get; init; } = 2;

    /// <summary>Whether a frame at <paramref name="seconds"/> lies in the time range.</summary>
    internal bool InRange(double seconds) => !(From is { } f && seconds < f) && !(To is { } t && seconds > t);

    /// <summary>The first <see cref="Top"/> hits of <paramref name="bestFirst"/>, each at least <see cref="MinGapSeconds"/> from every better hit kept.</summary>
    internal List<SearchHit> KeepApart(IEnumerable<SearchHit> bestFirst)
    {
        var hits = new List<SearchHit>();
        foreach (var h in bestFirst)
        {
            if (MinGapSeconds > 0 && hits.Any(k => Math.Abs(k.Seconds - h.Seconds) < MinGapSeconds))
                continue;
            hits.Add(h);
            if (hits.Count == Top)
                break;
        }
        return hits;
    }

    internal void Validate()
    {
        if (Top < 1 || Top > 10_000)
            throw new ArgumentOutOfRangeException(nameof(Top), Top, "top must be within 1..10000");
        if (From is { } f && To is { } t && f > t)
            throw new ArgumentException($"the time range {f}..{t} s is empty (from is after to)");
        if (!(MinGapSeconds >= 0))
            throw new ArgumentOutOfRangeException(nameof(MinGapSeconds), MinGapSeconds, "the minimum gap must be 0 or more seconds");
    }
}
