using Orleans.Concurrency;

namespace RealtimeMM.Cluster;

/// <summary>
/// One camera of the cluster, keyed by its id. The grain owns the camera's capture and model session
/// on the silo where it is activated; only questions, answers and health cross the network. Questions,
/// health and standing answers interleave (a question waits for the camera's next frame).
/// </summary>
[Alias("RealtimeMM.Cluster.ICameraGrain")]
public interface ICameraGrain : IGrainWithStringKey
{
    /// <summary>Registers the camera (kept in grain storage) and starts it; a camera already registered is restarted with the new spec.</summary>
    [Alias("Start")]
    Task<CameraHealth> Start(CameraSpec spec);

    /// <summary>Stops the camera and forgets its registration.</summary>
    [Alias("Remove")]
    Task Remove();

    [Alias("Health")]
    [AlwaysInterleave]
    Task<CameraHealth> Health();

    /// <summary>Answers a question about the next frame the camera processes. Throws <see cref="CameraException"/> when the camera is not registered or its source ended or failed.</summary>
    [Alias("Ask")]
    [AlwaysInterleave]
    Task<CameraAnswer> Ask(string question);

    /// <summary>Adds a standing question (kept in the registration).</summary>
    [Alias("AddStandingQuestion")]
    Task AddStandingQuestion(string question);

    /// <summary>Searches the camera's frame index for frames that show <paramref name="text"/> (see <see cref="CameraSearch"/>).</summary>
    [Alias("Search")]
    [AlwaysInterleave]
    Task<CameraSearchResult> Search(string text, CameraSearchOptions options);

    /// <summary>The latest answer to each standing question.</summary>
    [Alias("Standing")]
    [AlwaysInterleave]
    Task<IReadOnlyList<CameraAnswer>> Standing();
}
