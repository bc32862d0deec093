using System.CommandLine;
using System.Globalization;
using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Features;
using RealtimeMM.Sources;
using RealtimeMM.Teaching;

namespace RealtimeMM.Cli.Commands;

/// <summary>
/// <c>rtmm teach --vocabulary FILE --name NAME --box X,Y,W,H --image F</c>: teaches a name by example
/// (the thing in the box); <c>--list</c>, <c>--forget NAME</c> and <c>--rename OLD --to NEW</c> keep
/// the vocabulary. <c>rtmm ask --vocabulary FILE</c> and sessions then answer about the names.
/// </summary>
internal static class TeachCommand
{
    public static Command Create(Terminal terminal)
    {
        var vocabulary = Vocabulary(required: true);
        var name = new Option<string?>("--name") { Description = "What the thing in the box is called (letters, digits, spaces, hyphens; at most 64 characters)" };
        var box = new Option<string?>("--box") { Description = "The thing's box in the image's pixels: X,Y,WIDTH,HEIGHT" };
        var image = new Option<string?>("--image") { Description = "The image it is in (PNG, JPEG, ...)" };
        var negative = new Option<bool>("--negative") { Description = "The box shows what the name is NOT (teach one example of what it is first)" };
        var list = new Option<bool>("--list") { Description = "List the taught names and their examples" };
        var forget = new Option<string?>("--forget") { Description = "Forget a name and all its examples" };
        var rename = new Option<string?>("--rename") { Description = "Rename a name (with --to)" };
        var to = new Option<string?>("--to") { Description = "The new name for --rename" };
        var json = Options.Json();
        var device = Options.Device();
        var command = new Command("teach", "Teach a name by example (a box around the thing in an image), or list, forget and rename taught names")
            { vocabulary, name, box, image, negative, list, forget, rename, to, json, device };
        command.Validators.Add(r =>
        {
            int actions = (r.GetResult(name) is not null ? 1 : 0) + (r.GetValue(list) ? 1 : 0) + (r.GetResult(forget) is not null ? 1 : 0) + (r.GetResult(rename) is not null ? 1 : 0);
            if (actions != 1)
                r.AddError("give one of --name (with --box and --image), --list, --forget NAME, --rename OLD --to NEW");
            else if (r.GetResult(name) is not null && (r.GetResult(box) is null || r.GetResult(image) is null))
                r.AddError("--name goes with --box X,Y,WIDTH,HEIGHT and --image FILE");
            else if ((r.GetResult(rename) is null) != (r.GetResult(to) is null))
                r.AddError("--rename OLD goes with --to NEW");
        });
        command.SetGuardedAction(terminal, (parse, cancel) =>
        {
            string file = parse.GetValue(vocabulary)!;
            using var taught = Open(file, parse.GetValue(device), World.Default, terminal);
            var v = taught.Vocabulary;
            try
            {
                if (parse.GetValue(list))
                {
                    foreach (var n in v.Names)
                    {
                        var examples = v.ExamplesOf(n);
                        terminal.Out.WriteLine($"{n}: {examples.Count(e => !e.Negative)} example(s), {examples.Count(e => e.Negative)} negative ({string.Join("; ", examples.Select(e => $"{e.Source} {e.Box}{(e.Negative || e.Views is { Count: > 0 } ? "" : ", no larger view (taught before views existed, or a box over two thirds of its frame)")}"))}); found above {taught.Bar(n):F3}");
                    }
                    if (v.Names.Count == 0)
                        terminal.Out.WriteLine($"{file}: nothing taught yet");
                }
                else if (parse.GetValue(forget) is { } gone)
                {
                    if (!v.Forget(gone))
                        throw new UsageException($"'{TaughtNames.Normalise(gone)}' was never taught in {file}");
                    terminal.Out.WriteLine($"forgot '{TaughtNames.Normalise(gone)}'");
                }
                else if (parse.GetValue(rename) is { } old)
                {
                    v.Rename(old, parse.GetValue(to)!);
                    terminal.Out.WriteLine($"renamed '{TaughtNames.Normalise(old)}' to '{TaughtNames.Normalise(parse.GetValue(to))}'");
                }
                else
                {
                    string path = parse.GetValue(image)!;
                    var b = ParseBox(parse.GetValue(box)!);
                    using var frame = FrameSource.LoadImage(path);
                    var example = taught.Teach(parse.GetValue(name)!, frame, b, parse.GetValue(negative), source: Path.GetFileName(path));
                    if (parse.GetValue(json))
                        JsonLines.Write(terminal.Out, new Dictionary<string, object?>
                        {
                            ["name"] = example.Name, ["negative"] = example.Negative, ["box"] = new[] { b.X, b.Y, b.Width, b.Height },
                            ["source"] = example.Source, ["examples"] = v.ExamplesOf(example.Name).Count, ["vocabulary"] = v.Path,
                            ["world_class"] = taught.IsWorldClass(example.Name), ["bar"] = taught.Bar(example.Name),
                        });
                    else
                        terminal.Out.WriteLine($"taught '{example.Name}'{(example.Negative ? " (what it is not)" : "")} from {example.Source} {b}: {v.ExamplesOf(example.Name).Count} example(s) in {v.Path}; found where it scores above {taught.Bar(example.Name):F3} (its best on photos of other things)"
                            + (taught.IsWorldClass(example.Name) ? $" ('{example.Name}' is also a class of the scene world: questions about it now go to the taught examples)" : ""));
                }
            }
            catch (ArgumentException e)
            {
                throw new UsageException(e.Message.Split(" (Parameter")[0]);
            }
            return 0;
        });
        return command;
    }

    /// <summary>The --vocabulary option of teach (required) and ask (optional).</summary>
    public static Option<string?> Vocabulary(bool required) => new("--vocabulary")
    {
        Description = required ? "The vocabulary file of taught names (made at the first name)" : "A vocabulary file of taught names (rtmm teach): questions about them are answered from their examples",
        Required = required,
    };

    /// <summary>The taught answerer over a vocabulary file, saying on stderr what a damaged file dropped.</summary>
    public static TaughtAnswerer Open(string file, RealtimeMM.Gpu.DevicePreference device, World world, Terminal terminal)
    {
        var taught = TaughtAnswerer.Open(file, world, new ImageFeatureOptions { Device = device }, warn: terminal.Error.WriteLine);
        foreach (var d in taught.Vocabulary.Dropped)
            terminal.Error.WriteLine($"rtmm: {file}: dropped {d} (the damaged file is kept as {Path.GetFileName(file)}.damaged at the next change)");
        return taught;
    }

    static BoxF ParseBox(string text)
    {
        var parts = text.Split(',');
        var values = new float[4];
        if (parts.Length != 4 || !parts.Select((p, i) => float.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out values[i])).All(ok => ok))
            throw new UsageException($"--box '{text}': expected four numbers X,Y,WIDTH,HEIGHT in pixels");
        return new BoxF(values[0], values[1], values[2], values[3]);
    }
}
