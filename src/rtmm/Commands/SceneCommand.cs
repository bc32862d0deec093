using System.CommandLine;
using RealtimeMM.Replay;
using RealtimeMM.Scenes;

namespace RealtimeMM.Cli.Commands;

/// <summary>
/// <c>rtmm scene</c>: generated scenes with ground truth, written as a replay clip: independent
/// scenes as a PNG clip (<c>--count</c>), or an animated video clip (<c>--clip</c>).
/// </summary>
internal static class SceneCommand
{
    public static Command Create(Terminal terminal)
    {
        var seed = new Option<int>("--seed") { Description = "Seed: the same seed gives byte-identical output", DefaultValueFactory = _ => 0 };
        var count = Options.Positive("--count", "Number of independent scenes (a PNG clip)", 1);
        var clip = new Option<bool>("--clip") { Description = "An animated clip (FFV1 video) instead of independent scenes" };
        var frames = Options.Positive("--frames", "Frames in an animated clip", 90);
        var output = new Option<string>("--out") { Description = "Clip folder to write (default scene-SEED)" };
        var size = Options.Size("320x240");
        var fps = Options.Fps(30);
        var force = new Option<bool>("--force") { Description = "Replace the output folder if it exists" };
        var json = Options.Json();
        var renderer = Options.Renderer("(--count only: clips come from the generator)");
        var (randomise, photos) = Options.Randomise();
        var worldFile = Options.WorldFile();
        var command = new Command("scene", "Generate scenes with ground truth (objects, boxes, masks, questions and answers) as a replay clip")
        {
            seed, count, clip, frames, output, size, fps, force, json, renderer, randomise, photos, worldFile,
        };
        command.Validators.Add(r =>
        {
            if (r.GetResult(clip) is not null && r.GetResult(count) is not null)
                r.AddError("--count and --clip exclude each other: --count K gives K independent scenes, --clip --frames K an animated clip");
            if (r.GetResult(clip) is not null && r.GetValue(renderer) != SceneWorldRenderer.Generator)
                r.AddError("--clip: animated clips come from the generator; the test world renders independent scenes (--count)");
        });
        command.SetGuardedAction(terminal, (parse, cancel) =>
        {
            int s = parse.GetValue(seed);
            var (w, h) = Options.ParseSize(parse.GetValue(size)!)!.Value;
            var world = Options.LoadWorld(parse.GetValue(worldFile));
            var options = new SceneOptions { Width = w, Height = h, Randomise = parse.GetValue(randomise), Photos = parse.GetValue(photos) is { } photoDir ? PhotoLibrary.Load(photoDir) : null,
                World = world };
            string dir = parse.GetValue(output) ?? $"scene-{s}";
            bool animated = parse.GetValue(clip);
            int n = animated ? parse.GetValue(frames) : parse.GetValue(count);
            double rate = parse.GetValue(fps);
            var started = System.Diagnostics.Stopwatch.StartNew();
            using var writer = ClipWriter.Create(dir, animated ? ClipWriter.DefaultFormat : ClipFormat.Png, rate, $"rtmm scene --seed {s}{(animated ? " --clip" : "")}", parse.GetValue(force));
            using (var progress = new Progress(terminal, "scene", n))
            {
                int done = 0;
                foreach (var scene in animated ? SceneGenerator.RenderClip(s, n, rate, options) : RenderParallel(parse.GetValue(renderer), s, n, options, cancel))
                {
                    cancel.ThrowIfCancellationRequested();
                    var ts = TimeSpan.FromSeconds(done / rate);
                    using var frame = scene.ToFrame(done, ts);
                    writer.Append(frame, scene.ToTruth(done, ts));
                    progress.Report(++done);
                }
            }
            var path = writer.Complete();
            double seconds = started.Elapsed.TotalSeconds;
            if (parse.GetValue(json))
                JsonLines.Write(terminal.Out, new { clip = path, frames = n, width = w, height = h, seed = s, animated, seconds = Math.Round(seconds, 3) });
            else
                terminal.Out.WriteLine($"wrote {n} {(animated ? "clip frames" : "scenes")} ({w}x{h}) to {path} in {seconds:F1} s ({n / seconds:F0} frames/s)");
            return 0;
        });
        return command;
    }

    /// <summary>Independent scenes rendered on all cores, handed out in order.</summary>
    static IEnumerable<SceneFrame> RenderParallel(SceneWorldRenderer renderer, int seed, int count, SceneOptions options, CancellationToken cancel)
    {
        const int Batch = 64;
        for (int start = 0; start < count; start += Batch)
        {
            int n = Math.Min(Batch, count - start);
            var batch = new SceneFrame[n];
            Parallel.For(0, n, new ParallelOptions { CancellationToken = cancel }, i => batch[i] = renderer.Render(seed, start + i, options));
            foreach (var scene in batch)
                yield return scene;
        }
    }
}
