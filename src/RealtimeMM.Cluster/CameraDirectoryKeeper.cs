using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace RealtimeMM.Cluster;

/// <summary>
/// Runs in every silo: calls the camera directory every <see cref="CameraOptions.ReviveInterval"/>, which
/// activates it (on a silo that is up) when it is not active, as after the loss of the silo it ran on;
/// the directory then starts every registered camera that is not running.
/// </summary>
internal sealed class CameraDirectoryKeeper(IGrainFactory grains, CameraOptions options, ILogger<CameraDirectoryKeeper> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var directory = grains.GetGrain<ICameraDirectoryGrain>(ICameraDirectoryGrain.Key);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await directory.List();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // the silo is still joining, or the directory's silo was lost a moment ago: the next round tries again
                log.LogDebug(e, "camera directory not reached");
            }
            try
            {
                await Task.Delay(options.ReviveInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
