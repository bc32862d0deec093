using System.CommandLine;
using RealtimeMM.Sources;
using RealtimeMM.Capture;
using RealtimeMM.Frames;
using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;
using RealtimeMM.Scenes;
using RealtimeMM.Search;

namespace RealtimeMM.Cli.Commands;

/// <summary>
/// <c>rtmm alerts SOURCE --text T</c>: standing alerts over a clip, camera or stream, one line per
/// raise or clear. <c>rtmm alerts --eval N</c>: precision and recall of alerts on N generated clips
/// whose objects enter and leave, against their ground truth.
/// </summary>
internal static class AlertsCommand
{
    public static Command Create(Terminal terminal)
    {
        var source = new Argument<string?>("source") { Description = "Clip folder, video file, camera or stream URL", Arity = ArgumentArity.ZeroOrOne };
        var texts = new Option<string[]>("--text") { Description = "What to watch for, e.g. \"a dog\" (repeatable)", AllowMultipleArgumentsPerToken = false };
        var evaluate = new Option<int>("--eval") { Description = "Instead: score alerts for every class on this many generated clips with ground truth" };
        var frames = Options.Positive("--frames", "Frames per generated clip (with --eval)", 300);
        var seed = new Option<int>("--seed") { Description = "Seed of the first generated clip (with --eval; clip k uses seed + k)", DefaultValueFactory = _ => 2000 };
        var defaults = new AlertOptions();
        var on = new Option<float>("--on") { Description = "P(yes) at or above which a frame counts towards raising", DefaultValueFactory = _ => defaults.OnThreshold };
        var off = new Option<float>("--off") { Description = "P(yes) below which a frame counts towards clearing", DefaultValueFactory = _ => defaults.OffThreshold };
        var onFrames = Options.Positive("--on-frames", "Frames in a row that raise an alert", defaults.OnFrames);
        var offFrames = Options.Positive("--off-frames", "Frames in a row that clear it", defaults.OffFrames);
        var json = Options.Json();
        var model = Options.Model();
        var device = Options.Device();
        var command = new Command("alerts", "Raise an alert when something appears in a stream, clear it when it goes") { source, texts, evaluate, frames, seed, on, off, onFrames, offFrames, json, model, device };
        command.Validators.Add(r =>
        {
            bool eval = r.GetResult(evaluate) is not null;
            if (eval == (r.GetResult(source) is not null))
                r.AddError("give a SOURCE with --text, or --eval N");
            else if (!eval && (r.GetValue(texts) ?? []).Length == 0)
                r.AddError("--text: say what to watch for, e.g. --text \"a dog\"");
        });
        command.SetGuardedAction(terminal, (parse, cancel) =>
        {
            using var answerer = QuestionAnswerer.Open(parse.GetValue(model), parse.GetValue(device), warn: terminal.Error.WriteLine);
            bool asJson = parse.GetValue(json);
            var options = new AlertOptions { OnThreshold = parse.GetValue(on), OffThreshold = parse.GetValue(off), OnFrames = parse.GetValue(onFrames), OffFrames = parse.GetValue(offFrames) };
            _ = new TextAlert("check", options); // bad settings fail here, with the reason
            if (parse.GetValue(evaluate) is > 0 and var clips)
                return Evaluate(answerer, clips, parse.GetValue(seed), parse.GetValue(frames), options, asJson, terminal, cancel);
            var alerts = new TextAlerts(answerer);
            foreach (var t in parse.GetValue(texts)!)
                alerts.Add(t, options);
            using var src = FrameSource.Open(parse.GetValue(source)!);
            while (src.Read(cancel) is { } frame)
                using (frame)
                using (var encoded = answerer.Encode(frame))
                    foreach (var e in alerts.Update(encoded, frame.Index, frame.Timestamp))
                        Print(terminal, e, asJson);
            return 0;
        });
        return command;
    }

    public static void Print(Terminal terminal, AlertEvent e, bool asJson)
    {
        if (asJson)
            JsonLines.Write(terminal.Out, new { alert = e.Text, state = e.Raised ? "raised" : "cleared", frame = e.FrameIndex, seconds = Math.Round(e.Timestamp.TotalSeconds, 3), score = Math.Round(e.Score, 4) });
        else
            terminal.Out.WriteLine($"{e.Timestamp.TotalSeconds,9:F2} s  frame {e.FrameIndex,-6} {(e.Raised ? "RAISED " : "cleared")}  {e.Text} ({e.Score:P0})");
    }

    /// <summary>
    /// Every class is an alert ("a dog") on each generated clip. An appearance is a run of frames in
    /// which an object of the class is at least half visible (runs under 0.2 s apart count as one;
    /// runs under 1/3 s are too brief to need an alert). Recall: appearances during which (or up to
    /// 0.5 s after) an alert is on that was raised while the class was in view: inside the appearance,
    /// or earlier while the object was entering (partly in view) and still on when it is half in view.
    /// Precision: raises while the class is in view, even partly (entering, leaving, covered), or up
    /// to 0.5 s after. These spans are fixed, not the alert's own settings, so settings can be compared.
    /// </summary>
    static int Evaluate(QuestionAnswerer answerer, int clips, int seed, int frameCount, AlertOptions options, bool asJson, Terminal terminal, CancellationToken cancel)
    {
        const int Bridge = 6, Brief = 10, Late = 15; // frames at 30 FPS: 0.2 s, 1/3 s, 0.5 s
        int appearances = 0, found = 0, raises = 0, right = 0;
        using (var progress = new Progress(terminal, "alerts", (long)clips * frameCount))
        {
            for (int c = 0; c < clips; c++)
            {
                var alerts = new TextAlerts(answerer);
                var world = answerer.Bundle.Manifest.World;
                foreach (var cls in world.Classes)
                    alerts.Add($"{World.Article(cls)} {cls}", options);
                var present = world.Classes.ToDictionary(k => k, _ => new bool[frameCount]);
                var partly = world.Classes.ToDictionary(k => k, _ => new bool[frameCount]);
                var raisedAt = world.Classes.ToDictionary(k => k, _ => new List<int>());
                var clearedAt = world.Classes.ToDictionary(k => k, _ => new List<int>());
                int f = 0;
                foreach (var scene in SceneGenerator.RenderClip(seed + c, frameCount, 30, new SceneOptions { Width = 320, Height = 240, World = world }))
                {
                    cancel.ThrowIfCancellationRequested();
                    foreach (var o in scene.Objects)
                        present[o.Class][f] = true;
                    foreach (var cls in scene.PartlyVisibleClasses)
                        partly[cls][f] = true;
                    var encoded = answerer.Encode(new ImageView(scene.Bgr, scene.Width, scene.Height, scene.Width * 3));
                    foreach (var e in alerts.Update(encoded, f, TimeSpan.FromSeconds(f / 30.0)))
                        (e.Raised ? raisedAt : clearedAt)[e.Text.Split(' ')[^1]].Add(f);
                    progress.Report((long)c * frameCount + ++f);
                }
                foreach (var cls in world.Classes)
                {
                    var runs = Runs(present[cls], Bridge);
                    var real = runs.Where(r => r.End - r.Start + 1 >= Brief).ToList();
                    // a raise while the class is only partly in view (entering, leaving, covered) is not a false alarm
                    var inView = Runs(present[cls].Zip(partly[cls], (a, b) => a || b).ToArray(), Bridge);
                    // each raise with the frame its alert cleared (alerts alternate: raise, clear, raise, ...)
                    var on = raisedAt[cls].Select((x, i) => (Raised: x, Cleared: i < clearedAt[cls].Count ? clearedAt[cls][i] : int.MaxValue)).ToList();
                    appearances += real.Count;
                    found += real.Count(r =>
                    {
                        int entered = inView.Where(v => v.Start <= r.Start).Select(v => v.Start).DefaultIfEmpty(r.Start).Max();
                        return on.Any(a => a.Raised >= entered && a.Raised <= r.End + Late && a.Cleared > r.Start);
                    });
                    raises += raisedAt[cls].Count;
                    right += raisedAt[cls].Count(x => inView.Any(r => x >= r.Start && x <= r.End + Late));
                }
            }
        }
        double precision = 100.0 * right / Math.Max(raises, 1), recall = 100.0 * found / Math.Max(appearances, 1);
        if (asJson)
            JsonLines.Write(terminal.Out, new
            {
                clips, first_seed = seed, frames_per_clip = frameCount, appearances, alerts_raised = raises, precision = Math.Round(precision, 2), recall = Math.Round(recall, 2), device = answerer.Device,
                settings = new { on = options.OnThreshold, off = options.OffThreshold, on_frames = options.OnFrames, off_frames = options.OffFrames },
            });
        else
            terminal.Out.WriteLine($"{clips} clips x {frameCount} frames, every class an alert: {appearances} appearances, {raises} alerts raised; precision {precision:F2}%, recall {recall:F2}%");
        return 0;
    }

    /// <summary>Runs of true frames, runs less than <paramref name="bridge"/> frames apart merged.</summary>
    static List<(int Start, int End)> Runs(bool[] present, int bridge)
    {
        var runs = new List<(int Start, int End)>();
        for (int i = 0; i < present.Length; i++)
        {
            if (!present[i])
                continue;
            int s = i;
            while (i + 1 < present.Length && present[i + 1])
                i++;
            if (runs.Count > 0 && s - runs[^1].End <= bridge)
                runs[^1] = (runs[^1].Start, i);
            else
                runs.Add((s, i));
        }
        return runs;
    }
}
