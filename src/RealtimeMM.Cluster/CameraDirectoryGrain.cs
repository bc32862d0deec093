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
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(Revive, new GrainTimerCreationOptions(TimeSpan.Zero, options.ReviveInterval) { KeepAlive = true, Interleave = true });
        return base.OnActivateAsync(cancellationToken);
    }

    async Task Revive(CancellationToken cancellationToken)
    {
        foreach (var id in state.State.Cameras.ToList())
        {
            try
            {
                await GrainFactory.GetGrain<ICameraGrain>(id).Health();
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                // a camera that cannot start says why in its own health; the next round tries again
            }
        }
    }

    public async Task Add(string camera)
    {
        if (state.State.Cameras.Add(camera))
            await state.WriteStateAsync();
    }

    public async Task Remove(string camera)
    {
        if (state.State.Cameras.Remove(camera))
            await state.WriteStateAsync();
    }

    public Task<IReadOnlyList<string>> List() => Task.FromResult<IReadOnlyList<string>>([.. state.State.Cameras]);
}
