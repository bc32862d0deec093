using System.CommandLine;
using System.Text.Json;
using RealtimeMM.Capture;
using RealtimeMM.Gpu;
using RealtimeMM.Models;

namespace RealtimeMM.Cli.Commands;

/// <summary>
/// <c>rtmm ask --image F --query Q</c>: one answer as text or JSON (DESIGN.md's contract);
/// <c>--questions FILE</c> takes JSON lines of <c>{"image", "question"}</c> and writes one answer
/// line per input line, in order, paying start-up once.
/// </summary>
internal static class AskCommand
{
    public static Option<string?> ModelOption() => new("--model") { Description = "Model bundle folder (default: the shipped models/rtmm-tiny)" };

    public static Option<DevicePreference> DeviceOption() => new("--device") { Description = "Where preprocessing runs: Auto, Vulkan or Cpu", DefaultValueFactory = _ => DevicePreference.Auto };

    public static Command Create(Terminal terminal)
    {
        var image = new Option<string?>("--image") { Description = "Image file (PNG, JPEG, ...)" };
        var query = new Option<string?>("--query") { Description = "The question" };
        var questions = new Option<string?>("--questions") { Description = "JSON lines of {\"image\", \"question\"}; one answer line each, in order" };
        var json = Options.Json();
        var model = ModelOption();
        var device = DeviceOption();
        var command = new Command("ask", "Answer a question about an image") { image, query, questions, json, model, device };
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
            bool asJson = parse.GetValue(json);
            if (parse.GetValue(questions) is { } file)
            {
                if (!File.Exists(file))
                    throw new FileNotFoundException($"{file}: file not found");
                int line = 0;
                string? lastImage = null;
                QuestionAnswerer.FrameEncoding? encoded = null;
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
                    Write(terminal, answerer.Ask(encoded!, q), true);
                }
                return 0;
            }
            using (var frame = FrameSource.LoadImage(parse.GetValue(image)!))
                Write(terminal, answerer.Ask(frame, parse.GetValue(query)!), asJson);
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
        throw new FormatException($"{file}:{line}: expected a JSON object with string fields \"image\" and \"question\"");
    }

    /// <summary>The answer in DESIGN.md's JSON contract, or as a line of text.</summary>
    public static void Write(Terminal terminal, Answer a, bool asJson)
    {
        if (asJson)
            JsonLines.Write(terminal.Out, Contract(a));
        else
            terminal.Out.WriteLine($"{a.Text}  ({a.Kind}, confidence {a.Confidence:F2}{(a.Attention is { } m ? $", looked at ({m.PeakX:F0}, {m.PeakY:F0})" : "")})");
    }

    /// <summary>
    /// DESIGN.md's answer object (field names are the contract), led by the frame and timestamp
    /// when the answer is about a frame of a stream. Callers may add fields (the demo adds "truth").
    /// </summary>
    public static Dictionary<string, object?> Contract(Answer a, long? frame = null, TimeSpan? timestamp = null)
    {
        var o = new Dictionary<string, object?>();
        if (frame is not null)
            o["frame"] = frame;
        if (timestamp is { } t)
            o["timestamp_ms"] = Math.Round(t.TotalMilliseconds, 3);
        o["query"] = a.Query;
        if (a.Interpreted is not null)
            o["interpreted_as"] = a.Interpreted;
        o["answer"] = a.Text;
        o["confidence"] = Math.Round(a.Confidence, 4);
        o["kind"] = a.Kind;
        o["attention"] = a.Attention is { } map ? new { grid = new[] { map.GridHeight, map.GridWidth }, peak = new[] { Math.Round(map.PeakX, 1), Math.Round(map.PeakY, 1) } } : null;
        o["timings_ms"] = a.TimingsMs;
        o["device"] = a.Device;
        o["answerer"] = a.Answerer;
        o["not_sure"] = a.NotSure;
        o["out_of_world"] = a.OutOfWorld;
        o["not_in_view"] = a.NotInView;
        if (a.InWorld is { } w)
            o["in_world"] = Math.Round(w, 4);
        if (a.Reason is not null)
            o["reason"] = a.Reason;
        return o;
    }
}
