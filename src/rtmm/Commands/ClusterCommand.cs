using System.CommandLine;
using Microsoft.Extensions.Hosting;
using RealtimeMM.Cluster;

namespace RealtimeMM.Cli.Commands;

/// <summary>
/// <c>rtmm cluster add|remove|list|ask</c>: a client of a camera cluster (<c>rtmm serve</c>): register a
/// camera by its source, list the cameras with their health, ask one a question, remove one.
/// </summary>
internal static class ClusterCommand
{
    public static Command Create(Terminal terminal)
    {
        var command = new Command("cluster", "Cameras of a cluster started with rtmm serve: add, remove, list, ask");
        var redis = ServeCommand.Redis();
        var clusterId = ServeCommand.ClusterId();
        var json = Options.Json();
        redis.Recursive = true;
        clusterId.Recursive = true;
        json.Recursive = true;
        command.Options.Add(redis);
        command.Options.Add(clusterId);
        command.Options.Add(json);

        CameraClusterOptions Cluster(ParseResult parse) => new() { Redis = parse.GetValue(redis)!, ClusterId = parse.GetValue(clusterId)! };

        var id = new Argument<string>("camera") { Description = "The camera's id" };
        var source = new Option<string>("--source") { Description = "Camera, stream URL, video file, clip or image folder", Required = true };
        var loop = new Option<bool>("--loop") { Description = "A recording starts again at its end" };
        var ask = new Option<string[]>("--ask") { Description = "A standing question (repeatable)" };
        var add = new Command("add", "Register a camera and start it on the cluster") { id, source, loop, ask };
        add.SetGuardedAction(terminal, (parse, cancel) => Run(terminal, Cluster(parse), cancel, async client =>
        {
            var health = await client.GetGrain<ICameraGrain>(parse.GetValue(id)!).Start(new CameraSpec
            {
                Source = parse.GetValue(source)!, Loop = parse.GetValue(loop), StandingQuestions = parse.GetValue(ask) ?? [],
            });
            Print(terminal, parse.GetValue(json), health);
        }));

        var removeId = new Argument<string>("camera") { Description = "The camera's id" };
        var remove = new Command("remove", "Stop a camera and forget it") { removeId };
        remove.SetGuardedAction(terminal, (parse, cancel) => Run(terminal, Cluster(parse), cancel, async client =>
        {
            string camera = parse.GetValue(removeId)!;
            var directory = client.GetGrain<ICameraDirectoryGrain>(ICameraDirectoryGrain.Key);
            if (!(await directory.List()).Contains(camera))
                throw new CameraException(camera, "no such camera (not registered, or removed)");
            await client.GetGrain<ICameraGrain>(camera).Remove();
            if (parse.GetValue(json))
                JsonLines.Write(terminal.Out, new { removed = camera });
            else
                terminal.Out.WriteLine($"removed {camera}");
        }));

        var list = new Command("list", "Every camera with its health");
        list.SetGuardedAction(terminal, (parse, cancel) => Run(terminal, Cluster(parse), cancel, async client =>
        {
            foreach (var camera in await client.GetGrain<ICameraDirectoryGrain>(ICameraDirectoryGrain.Key).List())
            {
                try
                {
                    Print(terminal, parse.GetValue(json), await client.GetGrain<ICameraGrain>(camera).Health());
                }
                catch (CameraException e)
                {
                    if (parse.GetValue(json)) JsonLines.Write(terminal.Out, new { camera, error = e.Problem }); else terminal.Out.WriteLine($"{camera}: {e.Problem}");
                }
            }
        }));

        var askId = new Argument<string>("camera") { Description = "The camera's id" };
        var query = new Option<string>("--query") { Description = "The question", Required = true };
        var askCommand = new Command("ask", "Ask a camera about its next frame") { askId, query };
        askCommand.SetGuardedAction(terminal, (parse, cancel) => Run(terminal, Cluster(parse), cancel, async client =>
        {
            var a = await client.GetGrain<ICameraGrain>(parse.GetValue(askId)!).Ask(parse.GetValue(query)!);
            if (parse.GetValue(json))
                JsonLines.Write(terminal.Out, new { camera = a.Camera, query = a.Question, answer = a.Text, confidence = Math.Round(a.Confidence, 4), kind = a.Kind, answerer = a.Answerer, reason = a.Reason });
            else
                terminal.Out.WriteLine($"{a.Camera}: {a.Question}? {a.Text} ({a.Confidence:F2}, {a.Answerer})");
        }));

        command.Subcommands.Add(add);
        command.Subcommands.Add(remove);
        command.Subcommands.Add(list);
        command.Subcommands.Add(askCommand);
        return command;
    }

    static int Run(Terminal terminal, CameraClusterOptions cluster, CancellationToken cancel, Func<IClusterClient, Task> work)
    {
        using var host = CameraCluster.ConnectAsync(cluster, cancel).GetAwaiter().GetResult();
        try
        {
            work(host.Client()).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is OrleansException or TimeoutException)
        {
            // a silo lost a moment ago, a call that timed out: the cluster's problem, said in one line
            throw new CameraClusterException($"cluster '{cluster.ClusterId}': {e.GetType().Name}: {e.Message.Split('\n')[0].Trim()}");
        }
        finally
        {
            host.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
        }
        return 0;
    }

    static void Print(Terminal terminal, bool asJson, CameraHealth h)
    {
        if (asJson)
            JsonLines.Write(terminal.Out, new
            {
                camera = h.Camera, source = h.Source, state = h.State, frames_captured = h.FramesCaptured, frames_processed = h.FramesProcessed,
                processed_per_second = h.ProcessedPerSecond, reconnects = h.Reconnects, last_error = h.LastError, silo = h.Silo,
            });
        else
            terminal.Out.WriteLine($"{h.Camera}: {h.State}, {h.FramesProcessed} of {h.FramesCaptured} frames processed ({h.ProcessedPerSecond:F1}/s), {h.Reconnects} reconnects on {h.Silo}{(h.LastError is null ? "" : $"; last error: {h.LastError}")}");
    }
}
