using System.CommandLine;
using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RealtimeMM.Cluster;

namespace RealtimeMM.Cli.Commands;

/// <summary>
/// <c>rtmm serve</c>: runs a silo of a camera cluster (Orleans, membership and camera registrations in
/// Redis) until Ctrl+C or SIGTERM, which stop it gracefully. The cameras registered in the cluster start
/// on the silos that are up. Redis unreachable at start: one line naming the address, exit 1; a silo
/// with another model bundle than the cluster's: refused with both names, exit 1.
/// </summary>
internal static class ServeCommand
{
    public static Option<string> Redis() => new("--redis") { Description = "Redis host:port (default: RTMM_REDIS, else 127.0.0.1:6379)", DefaultValueFactory = _ => new CameraClusterOptions().Redis };
    public static Option<string> ClusterId() => new("--cluster") { Description = "The cluster's id (default: RTMM_CLUSTER, else rtmm)", DefaultValueFactory = _ => new CameraClusterOptions().ClusterId };

    public static Command Create(Terminal terminal)
    {
        var redis = Redis();
        var cluster = ClusterId();
        var address = new Option<string>("--address") { Description = "The address other silos and clients reach this one at", DefaultValueFactory = _ => IPAddress.Loopback.ToString() };
        var siloPort = Options.Positive("--silo-port", "Silo-to-silo port", new CameraClusterOptions().SiloPort);
        var gatewayPort = Options.Positive("--gateway-port", "Client gateway port", new CameraClusterOptions().GatewayPort);
        var threads = new Option<int?>("--threads") { Description = "Inference threads per camera (default: the session's)" };
        var model = Options.Model();
        var device = Options.Device();
        var command = new Command("serve", "Run a silo of a camera cluster (Orleans on Redis) until Ctrl+C or SIGTERM") { redis, cluster, address, siloPort, gatewayPort, threads, model, device };
        command.SetGuardedAction(terminal, (parse, cancel) =>
        {
            if (!IPAddress.TryParse(parse.GetValue(address), out var ip))
                throw new UsageException($"--address {parse.GetValue(address)}: not an IP address");
            var options = new CameraClusterOptions
            {
                Redis = parse.GetValue(redis)!, ClusterId = parse.GetValue(cluster)!, Address = ip, SiloPort = parse.GetValue(siloPort), GatewayPort = parse.GetValue(gatewayPort),
            };
            CameraCluster.CheckRedis(options.Redis);
            // every silo of a cluster runs the same model: cameras move between them
            using (var bundle = RealtimeMM.Bundle.ModelBundle.Load(parse.GetValue(model) ?? RealtimeMM.Bundle.ModelBundle.DefaultFolder))
                CameraCluster.ClaimModel(options, bundle.Manifest.Name, RealtimeMM.Search.FrameIndexHeader.FingerprintOf(bundle));
            var cameras = new CameraOptions { ModelFolder = parse.GetValue(model), Device = parse.GetValue(device), InferenceThreads = parse.GetValue(threads) };
            var builder = Host.CreateApplicationBuilder();
            builder.Logging.ClearProviders();
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning).AddFilter("Orleans", LogLevel.Error);
            builder.UseOrleans(silo => silo.UseCameraCluster(options, cameras));
            using var host = builder.Build();
            host.StartAsync(cancel).GetAwaiter().GetResult();
            terminal.Out.WriteLine($"rtmm serve: silo up in cluster '{options.ClusterId}' (redis {options.Redis}, silo port {options.SiloPort}, gateway port {options.GatewayPort})");
            terminal.Out.Flush();
            using var stopped = new ManualResetEventSlim();
            using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, ctx =>
            {
                ctx.Cancel = true;
                stopped.Set();
            });
            try
            {
                stopped.Wait(cancel);
            }
            catch (OperationCanceledException)
            {
            }
            // a graceful stop: the silo's cameras are stopped and leave the membership table cleanly
            host.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
            terminal.Out.WriteLine("rtmm serve: stopped");
            return 0;
        });
        return command;
    }
}
