namespace RealtimeMM.Capture;

/// <summary>Exponential backoff for reconnecting to a live source that dropped or is not up yet.</summary>
public sealed record ReconnectPolicy
{
    /// <summary>Wait before the first retry.</summary>
    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Longest wait between retries.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>Factor the wait grows by after each failed retry.</summary>
    public double Multiplier { get; init; } = 2;

    /// <summary>Failed attempts in a row before giving up; null retries forever.</summary>
    public int? MaxAttempts { get; init; } = 20;

    /// <summary>Never reconnect: a drop ends the stream with the error.</summary>
    public static ReconnectPolicy None { get; } = new() { MaxAttempts = 0 };

    /// <summary>The wait before retry number <paramref name="attempt"/> (1-based).</summary>
    public TimeSpan DelayFor(int attempt)
    {
        double ms = InitialDelay.TotalMilliseconds * Math.Pow(Multiplier, Math.Max(0, attempt - 1));
        return TimeSpan.FromMilliseconds(Math.Min(ms, MaxDelay.TotalMilliseconds));
    }
}
