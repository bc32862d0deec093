namespace RealtimeMM.Cluster;

/// <summary>The set of camera ids, as grain state.</summary>
[GenerateSerializer]
public sealed class CameraDirectoryState
{
    [Id(0)] public SortedSet<string> Cameras { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// The directory of cameras. While active it calls every registered camera every few seconds, so a
/// camera whose silo was lost is activated again on a silo that is up (its registration is in
/// storage); each silo activates the directory when it starts (<see cref="CameraSiloExtensions.AddCameras"/>).
/// </summary>
internal sealed class CameraDirectoryGrain(
    [PersistentState("directory", CameraGrain.StorageName)] IPersistentState<CameraDirectoryState> state, CameraOptions options) : Grain, ICameraDirectoryGrain
{
    readonly Dictionary<string, string> silos = new(StringComparer.Ordinal); // where each camera last said it runs (not stored: the rounds rebuild it)

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(Revive, new GrainTimerCreationOptions(TimeSpan.Zero, options.ReviveInterval) { KeepAlive = true, Interleave = true });
        return base.OnActivateAsync(cancellationToken);
    }

    async Task Revive(CancellationToken cancellationToken)
    {
        // all at once: the cameras of a lost silo load their models side by side on the silos that are up
        var ids = state.State.Cameras.ToList();
        var healths = await Task.WhenAll(ids.Select(async id =>
        {
            try
            {
                return await GrainFactory.GetGrain<ICameraGrain>(id).Health();
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                return null; // a camera that cannot start says why in its own health; the next round tries again
            }
        }));
        for (int i = 0; i < ids.Count; i++)
            if (healths[i] is { } h && state.State.Cameras.Contains(ids[i]))
                silos[ids[i]] = h.Silo;
    }

    public async Task Add(string camera)
    {
        if (state.State.Cameras.Add(camera))
            await state.WriteStateAsync();
    }

    public Task Placed(string camera, string silo)
    {
        if (state.State.Cameras.Contains(camera))
            silos[camera] = silo;
        return Task.CompletedTask;
    }

    public Task<Dictionary<string, string>> CameraSilos() =>
        Task.FromResult(silos.Where(kv => state.State.Cameras.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value));

    public async Task Remove(string camera)
    {
        silos.Remove(camera);
        if (state.State.Cameras.Remove(camera))
            await state.WriteStateAsync();
    }

    public Task<IReadOnlyList<string>> List() => Task.FromResult<IReadOnlyList<string>>([.. state.State.Cameras]);
}
