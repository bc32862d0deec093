using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace RealtimeMM.Cluster;

/// <summary>
/// Places a camera on the silo that runs the fewest cameras, so that cameras spread evenly over the
/// silos and each silo's share of the machine goes to as many cameras as the next one's. Orleans'
/// random and activation-count placements left two silos serving their cameras 1.6-2x apart under
/// overload (<c>rtmm bench cluster</c>): activation counts include every other grain. The counts come
/// from the camera directory (each camera reports its silo when it starts; the directory's rounds
/// refresh them every 2 s).
/// </summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class CameraPlacement : PlacementStrategy
{
    internal static readonly CameraPlacement Instance = new();
}

/// <summary>Marks a grain class for <see cref="CameraPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class CameraPlacementAttribute() : PlacementAttribute(CameraPlacement.Instance);

/// <summary>Asks the camera directory how many cameras run on each compatible silo and picks the silo with the fewest; ties at random.</summary>
internal sealed class CameraPlacementDirector(IGrainFactory grains) : IPlacementDirector
{
    // cameras this silo placed in the last seconds, not yet counted by the directory (several placed at once: a lost silo's cameras)
    readonly List<(string Silo, long At)> recent = [];

    public async Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target);
        if (silos.Length == 1)
            return silos[0];
        Dictionary<string, int> running;
        try
        {
            running = await grains.GetGrain<ICameraDirectoryGrain>(ICameraDirectoryGrain.Key).CamerasBySilo();
        }
        catch (Exception e) when (e is OrleansException or TimeoutException)
        {
            return silos[Random.Shared.Next(silos.Length)]; // the directory cannot answer (Redis away): place at random rather than not at all
        }
        lock (recent)
        {
            recent.RemoveAll(r => System.Diagnostics.Stopwatch.GetElapsedTime(r.At) > TimeSpan.FromSeconds(5));
            var counts = silos.Select(s => (Silo: s, Cameras: running.GetValueOrDefault(s.ToString()) + recent.Count(r => r.Silo == s.ToString()))).ToList();
            int fewest = counts.Min(c => c.Cameras);
            var candidates = counts.Where(c => c.Cameras == fewest).ToArray();
            var chosen = candidates[Random.Shared.Next(candidates.Length)].Silo;
            recent.Add((chosen.ToString(), System.Diagnostics.Stopwatch.GetTimestamp()));
            return chosen;
        }
    }
}
