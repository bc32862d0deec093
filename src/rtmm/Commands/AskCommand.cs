using System.CommandLine;
using System.Text.Json;
using RealtimeMM.Sources;
using RealtimeMM.Capture;
using RealtimeMM.Gpu;
using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;

namespace RealtimeMM.Cli.Commands;

/// <summary>
/// <c>rtmm ask --image F --query Q</c>: one answer as text or JSON (DESIGN.md's contract);
/// <c>--questions FILE</c> takes JSON lines of <c>{"image", "question"}</c> and writes one answer
/// line per input line, in order, paying start-up once.
/// </summary>
internal static class AskCommand
{
    public static Command Create(Terminal terminal)
    {
        var image = new Option<string?>("--image") { Description = "Image file (PNG, JPEG, ...)" };
        var query = new Option<string?>("--query") { Description = "The question" };
        var questions = new Option<string?>("--questions") { Description = "JSON lines of {\"image\", \"question\"}; one answer line each, in order" };
        var json = Options.Json();
        var model = Options.Model();
        var device = Options.Device();
        var vocabulary = TeachCommand.Vocabulary(required: false);
        var clip = new Option<string?>("--clip") { Description = "A CLIP-format bundle folder (docs/clip-bundles.md): questions naming the world's classes are answered through it" };
        var command = new Command("ask", "Answer a question about an image") { image, query, questions, json, model, device, vocabulary, clip };
        command.Validators.Add(r =>
        {
            bool single = r.GetResult(image) is not null || r.GetResult(query) is not null;
            if (single == (r.GetResult(questions) is not null))
                r.AddError("give --image and --query, or --questions FILE");
            else if (single && (r.GetResult(image) is null || r.GetResult(query) is null))
                r.AddError("--image and --query go together");
        });
        command.SetGuardedAction(terminal, (parse, cancel) =>
        {
            using var answerer = QuestionAnswerer.Open(parse.GetValue(model), parse.GetValue(device), warn: terminal.Error.WriteLine);
            using var taught = parse.GetValue(vocabulary) is { } names ? TeachCommand.Open(names, parse.GetValue(device), answerer.Bundle.Manifest.World, terminal) : null;
            using var byName = parse.GetValue(clip) is { } clipFolder
                ? new RealtimeMM.Clip.ClipAnswerer(RealtimeMM.Clip.ClipBundle.Load(clipFolder, parse.GetValue(device), fit: RealtimeMM.Preprocess.FitMode.Stretch), answerer.Bundle.Manifest.World) : null;
            if (byName is not null)
                answerer.AddAnswerer(byName);
            if (taught is not null)
                answerer.AddAnswerer(taught); // taught names first: they were shown on the user's own camera
            bool asJson = parse.GetValue(json);
            if (parse.GetValue(questions) is { } file)
            {
                if (!File.Exists(file))
                    throw new FileNotFoundException($"{file}: file not found");
                int line = 0;
                string? lastImage = null;
                FrameEncoding? encoded = null;
                foreach (var text in File.ReadLines(file))
                {
                    cancel.ThrowIfCancellationRequested();
                    line++;
                    if (string.IsNullOrWhiteSpace(text))
                        continue;
                    var (img, q) = ParseLine(file, line, text);
                    if (img != lastImage)
                    {
                        using var frame = FrameSource.LoadImage(img);
                        encoded = answerer.Encode(frame);
                        lastImage = img;
                    }
                    AnswerJson.Write(terminal, answerer.Ask(encoded!, q), true);
                }
                return 0;
            }
            using (var frame = FrameSource.LoadImage(parse.GetValue(image)!))
                AnswerJson.Write(terminal, answerer.Ask(frame, parse.GetValue(query)!), asJson);
            return 0;
        });
        return command;
    }

    static (string Image, string Question) ParseLine(string file, int line, string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            var root = doc.RootElement;
            if (root.TryGetProperty("image", out var i) && i.ValueKind == JsonValueKind.String && root.TryGetProperty("question", out var q) && q.ValueKind == JsonValueKind.String)
                return (i.GetString()!, q.GetString()!);
        }
        catch (JsonException)
        {
        }
        throw new UsageException($"{file}:{line}: expected a JSON object with string fields \"image\" and \"question\"");
    }
}
