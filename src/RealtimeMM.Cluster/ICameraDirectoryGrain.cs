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

    /// <summary>Every registered camera's id, sorted.</summary>
    [Alias("List")]
    [Orleans.Concurrency.AlwaysInterleave]
    Task<IReadOnlyList<string>> List();
}
