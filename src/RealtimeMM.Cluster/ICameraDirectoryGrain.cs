namespace RealtimeMM.Cluster;

/// <summary>The cluster's list of registered cameras (one grain, key <see cref="Key"/>), kept in grain storage beside the registrations.</summary>
[Alias("RealtimeMM.Cluster.ICameraDirectoryGrain")]
public interface ICameraDirectoryGrain : IGrainWithStringKey
{
    /// <summary>The one directory's key.</summary>
    const string Key = "all";

    [Alias("Add")]
    Task Add(string camera);

    [Alias("Remove")]
    Task Remove(string camera);

    /// <summary>A camera says it runs on <paramref name="silo"/> (its silo's address, as Orleans writes it).</summary>
    [Alias("Placed")]
    [Orleans.Concurrency.AlwaysInterleave]
    Task Placed(string camera, string silo);

    /// <summary>Where each registered camera runs (camera id to silo address), as last reported (by the cameras when they start, and by the directory's rounds).</summary>
    [Alias("CameraSilos")]
    [Orleans.Concurrency.AlwaysInterleave]
    Task<Dictionary<string, string>> CameraSilos();

    /// <summary>Every registered camera's id, sorted.</summary>
    [Alias("List")]
    [Orleans.Concurrency.AlwaysInterleave]
    Task<IReadOnlyList<string>> List();
}
