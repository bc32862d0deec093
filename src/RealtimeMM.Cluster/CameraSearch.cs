using RealtimeMM.Search;

namespace RealtimeMM.Cluster;

/// <summary>Which frames to search for, across cameras: how many hits, from when to when, how far apart.</summary>
[GenerateSerializer, Immutable]
public sealed record CameraSearchOptions
{
    /// <summary>Hits to return, best first (of each camera, and of all cameras merged).</summary>
    [Id(0)] public int Top { get; init; } = 5;

    /// <summary>Only frames indexed at or after this time; null: as far back as the index goes.</summary>
    [Id(1)] public DateTimeOffset? From { get; init; }

    /// <summary>Only frames indexed at or before this time; null: up to now.</summary>
    [Id(2)] public DateTimeOffset? To { get; init; }

    /// <summary>Hits of one camera closer in time than this to a better hit of it are left out.</summary>
    [Id(3)] public double MinGapSeconds { get; init; } = 2;

    internal SearchOptions ToSearchOptions() => new()
    {
        Top = Top, MinGapSeconds = MinGapSeconds,
        From = From?.ToUnixTimeMilliseconds() / 1000.0, To = To?.ToUnixTimeMilliseconds() / 1000.0,
    };
}

/// <summary>A frame of a camera that matched a text search: which camera, which frame, when, how well (cosine similarity).</summary>
[GenerateSerializer, Immutable]
public sealed record CameraSearchHit
{
    [Id(0)] public required string Camera { get; init; }
    [Id(1)] public long Frame { get; init; }
    [Id(2)] public DateTimeOffset At { get; init; }
    [Id(3)] public float Score { get; init; }
}

/// <summary>One camera's search result: its hits above the model's match threshold, or why it has none.</summary>
[GenerateSerializer, Immutable]
public sealed record CameraSearchResult
{
    [Id(0)] public required string Camera { get; init; }
    [Id(1)] public IReadOnlyList<CameraSearchHit> Hits { get; init; } = [];

    /// <summary>Why there is no hit (no index, no frame like it, an unknown word), or null.</summary>
    [Id(2)] public string? Problem { get; init; }

    /// <summary>The best similarity found (NaN: none) and the one a match needs.</summary>
    [Id(3)] public float Best { get; init; } = float.NaN;
    [Id(4)] public float Threshold { get; init; } = float.NaN;
}

/// <summary>Text search across every camera of the cluster: each camera searches its own index where it runs, and the hits are merged.</summary>
public static class CameraSearch
{
    /// <summary>The best <see cref="CameraSearchOptions.Top"/> hits of all cameras, best first, and each camera's own result.</summary>
    public sealed record Results(string Text, IReadOnlyList<CameraSearchHit> Hits, IReadOnlyList<CameraSearchResult> Cameras);

    /// <summary>
    /// Searches every registered camera's index for <paramref name="text"/> at once ("a red car") and
    /// merges their hits by similarity. A camera that could not search (stopped, lost a moment ago)
    /// comes back with its problem.
    /// </summary>
    public static async Task<Results> SearchAllAsync(IGrainFactory grains, string text, CameraSearchOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        options ??= new CameraSearchOptions();
        options.ToSearchOptions().Validate();
        var cameras = await grains.GetGrain<ICameraDirectoryGrain>(ICameraDirectoryGrain.Key).List();
        var results = await Task.WhenAll(cameras.Select(async id =>
        {
            try
            {
                return await grains.GetGrain<ICameraGrain>(id).Search(text, options);
            }
            catch (CameraException e)
            {
                return new CameraSearchResult { Camera = id, Problem = e.Problem };
            }
        }));
        var hits = results.SelectMany(r => r.Hits).OrderByDescending(h => h.Score).ThenBy(h => h.Camera, StringComparer.Ordinal).Take(options.Top).ToList();
        return new Results(text, hits, results);
    }
}
