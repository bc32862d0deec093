using System.CommandLine;
using Microsoft.Extensions.Hosting;
using RealtimeMM.Cluster;

namespace RealtimeMM.Cli.Commands;

/// <summary>
/// <c>rtmm cluster add|remove|list|ask|search|watch</c>: a client of a camera cluster (<c>rtmm serve</c>): register a
/// camera by its source, list the cameras with their health, ask one a question, remove one.
/// </summary>
internal static class ClusterCommand
{
    public static Command Create(Terminal terminal)
    {
        var command = new Command("cluster", "Cameras of a cluster started with rtmm serve: add, remove, list, ask, standing, search, watch");
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
        var alert = new Option<string[]>("--alert") { Description = "Raise an alert when this comes into view, e.g. \"a red car\" (repeatable; rtmm cluster watch prints them)" };
        var add = new Command("add", "Register a camera and start it on the cluster") { id, source, loop, ask, alert };
        add.SetGuardedAction(terminal, (parse, cancel) => Run(terminal, Cluster(parse), cancel, async client =>
        {
            var health = await client.GetGrain<ICameraGrain>(parse.GetValue(id)!).Start(new CameraSpec
            {
                Source = parse.GetValue(source)!, Loop = parse.GetValue(loop), StandingQuestions = parse.GetValue(ask) ?? [], Alerts = parse.GetValue(alert) ?? [],
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

        var askId = new Argument<string?>("camera") { Description = "The camera's id (or --all)", Arity = ArgumentArity.ZeroOrOne };
        var query = new Option<string>("--query") { Description = "The question; with --all, \"which camera sees a red car\" lists the cameras that do", Required = true };
        var all = new Option<bool>("--all") { Description = "Ask every camera of the cluster at once" };
        var askCommand = new Command("ask", "Ask a camera (or --all) about its next frame") { askId, query, all };
        askCommand.Validators.Add(r =>
        {
            if (r.GetValue(all) == (r.GetValue(askId) is not null))
                r.AddError("give a camera id, or --all");
        });
        askCommand.SetGuardedAction(terminal, (parse, cancel) => Run(terminal, Cluster(parse), cancel, async client =>
        {
            bool asJson = parse.GetValue(json);
            string q = parse.GetValue(query)!;
            if (parse.GetValue(all))
            {
                var replies = await CameraQuestions.AskAllAsync(client, q);
                foreach (var r in replies)
                {
                    if (r.Answer is { } a)
                        PrintAnswer(terminal, asJson, a);
                    else if (asJson)
                        JsonLines.Write(terminal.Out, new { camera = r.Camera, error = r.Problem });
                    else
                        terminal.Out.WriteLine($"{r.Camera}: {r.Problem}");
                }
                if (CameraQuestions.Presence(q) is not null)
                {
                    var seeing = CameraQuestions.Seeing(replies).ToList();
                    if (asJson)
                        JsonLines.Write(terminal.Out, new { query = q, cameras = seeing });
                    else
                        terminal.Out.WriteLine(seeing.Count == 0 ? "no camera does" : string.Join(", ", seeing));
                }
                return;
            }
            PrintAnswer(terminal, asJson, await client.GetGrain<ICameraGrain>(parse.GetValue(askId)!).Ask(q));
        }));

        var standingId = new Argument<string>("camera") { Description = "The camera's id" };
        var addQuestion = new Option<string[]>("--ask") { Description = "Add this standing question to the running camera (kept in its registration; repeatable)" };
        var standingCommand = new Command("standing", "The camera's latest answer to each standing question (--ask adds one first)") { standingId, addQuestion };
        standingCommand.SetGuardedAction(terminal, (parse, cancel) => Run(terminal, Cluster(parse), cancel, async client =>
        {
            var camera = client.GetGrain<ICameraGrain>(parse.GetValue(standingId)!);
            foreach (var q in parse.GetValue(addQuestion) ?? [])
                await camera.AddStandingQuestion(q);
            if ((parse.GetValue(addQuestion) ?? []).Length > 0)
                await Task.Delay(1000, cancel); // answered about the next frames
            foreach (var a in await camera.Standing())
                PrintAnswer(terminal, parse.GetValue(json), a);
        }));

        var seconds = new Option<double?>("--seconds") { Description = "Stop after this many seconds (default: until Ctrl+C)" };
        var withAnswers = new Option<bool>("--answers") { Description = "Also print every camera's standing answers as they come" };
        var watch = new Command("watch", "Print every camera's alerts as they are raised and cleared (and, with --answers, its standing answers)") { seconds, withAnswers };
        watch.SetGuardedAction(terminal, (parse, cancel) => Run(terminal, Cluster(parse), cancel, async client =>
        {
            bool asJson = parse.GetValue(json);
            var gate = new object();
            var subscription = await CameraAlerts.SubscribeAsync(client, a =>
            {
                lock (gate)
                {
                    if (asJson)
                        JsonLines.Write(terminal.Out, new { camera = a.Camera, alert = a.Text, raised = a.Raised, score = Math.Round(a.Score, 4), at = a.At, silo = a.Silo });
                    else
                        terminal.Out.WriteLine($"{a.At:HH:mm:ss.fff} {a.Camera}: '{a.Text}' {(a.Raised ? "raised" : "cleared")} ({a.Score:F2})");
                    terminal.Out.Flush();
                }
                return Task.CompletedTask;
            });
            var answers = !parse.GetValue(withAnswers) ? null : await CameraAlerts.SubscribeAnswersAsync(client, batch =>
            {
                lock (gate)
                {
                    foreach (var a in batch.Answers)
                        if (asJson)
                            JsonLines.Write(terminal.Out, new { camera = a.Camera, query = a.Question, answer = a.Text, confidence = Math.Round(a.Confidence, 4), frame = a.Frame, latency_ms = a.LatencyMs is { } ms ? Math.Round(ms, 1) : (double?)null, at = a.At });
                        else
                            terminal.Out.WriteLine($"{a.At:HH:mm:ss.fff} {a.Camera}: {a.Question}? {a.Text} ({a.Confidence:F2}; frame {a.Frame}, {a.LatencyMs:F0} ms)");
                    if (batch.Skipped > 0)
                        terminal.Out.WriteLine(asJson ? $"{{\"camera\":\"{batch.Camera}\",\"skipped\":{batch.Skipped}}}" : $"{batch.Camera}: {batch.Skipped} answers skipped");
                    terminal.Out.Flush();
                }
                return Task.CompletedTask;
            });
            try
            {
                await Task.Delay(parse.GetValue(seconds) is { } s ? TimeSpan.FromSeconds(s) : Timeout.InfiniteTimeSpan, cancel);
            }
            catch (OperationCanceledException)
            {
            }
            await subscription.UnsubscribeAsync();
            if (answers is not null)
                await answers.UnsubscribeAsync();
        }));

        var text = new Option<string>("--text") { Description = "What to look for, e.g. \"a red car\"", Required = true };
        var top = new Option<int>("--top") { Description = "Hits to print, best first, over all cameras", DefaultValueFactory = _ => 5 };
        var since = new Option<double?>("--minutes") { Description = "Only frames of the last N minutes (default: all the index holds, an hour)" };
        var gap = new Option<double>("--gap") { Description = "A camera's hits closer than this many seconds to a better one of it are left out", DefaultValueFactory = _ => 2 };
        var search = new Command("search", "Search every camera's frame index for a text; hits name their camera and time") { text, top, since, gap };
        search.SetGuardedAction(terminal, (parse, cancel) => Run(terminal, Cluster(parse), cancel, async client =>
        {
            bool asJson = parse.GetValue(json);
            var options = new CameraSearchOptions
            {
                Top = parse.GetValue(top), MinGapSeconds = parse.GetValue(gap),
                From = parse.GetValue(since) is { } m ? DateTimeOffset.UtcNow.AddMinutes(-m) : null,
            };
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var found = await CameraSearch.SearchAllAsync(client, parse.GetValue(text)!, options);
            double ms = clock.Elapsed.TotalMilliseconds;
            int rank = 0;
            foreach (var h in found.Hits)
            {
                rank++;
                if (asJson)
                    JsonLines.Write(terminal.Out, new { rank, camera = h.Camera, frame = h.Frame, at = h.At, similarity = Math.Round(h.Score, 4) });
                else
                    terminal.Out.WriteLine($"{rank,3}. {h.Camera} {h.At.ToLocalTime():yyyy-MM-dd HH:mm:ss.f} frame {h.Frame} ({h.Score:F3})");
            }
            foreach (var r in found.Cameras.Where(r => r.Hits.Count == 0))
                if (asJson)
                    JsonLines.Write(terminal.Out, new { camera = r.Camera, problem = r.Problem });
                else
                    terminal.Out.WriteLine($"{r.Camera}: {r.Problem}");
            if (!asJson)
                terminal.Out.WriteLine($"{found.Hits.Count} hit(s) from {found.Cameras.Count} camera(s) in {ms:F0} ms");
        }));

        command.Subcommands.Add(add);
        command.Subcommands.Add(search);
        command.Subcommands.Add(standingCommand);
        command.Subcommands.Add(watch);
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

    static void PrintAnswer(Terminal terminal, bool asJson, CameraAnswer a)
    {
        if (asJson)
            JsonLines.Write(terminal.Out, new { camera = a.Camera, query = a.Question, answer = a.Text, confidence = Math.Round(a.Confidence, 4), kind = a.Kind, answerer = a.Answerer, reason = a.Reason });
        else
            terminal.Out.WriteLine($"{a.Camera}: {a.Question}? {a.Text} ({a.Confidence:F2}, {a.Answerer})");
    }

    static void Print(Terminal terminal, bool asJson, CameraHealth h)
    {
        if (asJson)
            JsonLines.Write(terminal.Out, new
            {
                camera = h.Camera, source = h.Source, state = h.State, frames_captured = h.FramesCaptured, frames_processed = h.FramesProcessed,
                processed_per_second = h.ProcessedPerSecond, reconnects = h.Reconnects, last_error = h.LastError, silo = h.Silo,
                index_frames = h.IndexFrames, index_flushed = h.IndexFlushed, index_dropped = h.IndexDropped, index_error = h.IndexError,
            });
        else
            terminal.Out.WriteLine($"{h.Camera}: {h.State}, {h.FramesProcessed} of {h.FramesCaptured} frames processed ({h.ProcessedPerSecond:F1}/s), {h.Reconnects} reconnects on {h.Silo}, {h.IndexFrames} frames indexed{(h.IndexError is null ? "" : $" (index: {h.IndexError})")}{(h.LastError is null ? "" : $"; last error: {h.LastError}")}");
    }
}
