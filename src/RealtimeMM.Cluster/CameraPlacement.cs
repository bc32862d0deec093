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

/// <summary>Asks the camera directory where the cameras run and picks the compatible silo running the fewest; ties at random.</summary>
internal sealed class CameraPlacementDirector(IGrainFactory grains) : IPlacementDirector
{
    // where this silo placed cameras in the last seconds (several placed at once, such as a lost
    // silo's cameras, before any has reported to the directory); a camera counts once, here or there
    readonly Dictionary<string, (string Silo, long At)> recent = [];

    public async Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target);
        if (silos.Length == 1)
            return silos[0];
        Dictionary<string, string> where;
        try
        {
            where = await grains.GetGrain<ICameraDirectoryGrain>(ICameraDirectoryGrain.Key).CameraSilos();
        }
        catch (Exception e) when (e is OrleansException or TimeoutException)
        {
            return silos[Random.Shared.Next(silos.Length)]; // the directory cannot answer (Redis away): place at random rather than not at all
        }
        string camera = target.GrainIdentity.Key.ToString() ?? "";
        lock (recent)
        {
            foreach (var gone in recent.Where(r => System.Diagnostics.Stopwatch.GetElapsedTime(r.Value.At) > TimeSpan.FromSeconds(5)).Select(r => r.Key).ToList())
                recent.Remove(gone);
            foreach (var (placed, r) in recent)
                where[placed] = r.Silo;
            where.Remove(camera); // the one being placed
            var counts = silos.Select(s => (Silo: s, Cameras: where.Values.Count(v => v == s.ToString()))).ToList();
            int fewest = counts.Min(c => c.Cameras);
            var candidates = counts.Where(c => c.Cameras == fewest).ToArray();
            var chosen = candidates[Random.Shared.Next(candidates.Length)].Silo;
            recent[camera] = (chosen.ToString(), System.Diagnostics.Stopwatch.GetTimestamp());
            return chosen;
        }
    }
}
