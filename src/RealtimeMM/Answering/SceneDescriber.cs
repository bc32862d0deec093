using System.Diagnostics;
using RealtimeMM.Bundle;

namespace RealtimeMM.Answering;

/// <summary>
/// "Describe the scene" from the model's own answers: "how many X are there" for every class in
/// one batch, then "what color is the X" and "where is the X" for each class seen once, said in
/// the world's words.
/// </summary>
internal sealed class SceneDescriber(QuestionAnswerer answerer, SceneModelAnswerer sceneModel)
{
    World world => answerer.Bundle.Manifest.World;

    public SceneDescription Describe(FrameEncoding frame)
    {
        var classes = world.Phrasings.ContainsKey("count") ? world.Classes : [];
        var counts = answerer.AskMany(frame, classes.Select(c => world.Phrase("count", world.Plural(c))!).ToList());
        var seen = new List<(string Class, int Count, Answer CountAnswer)>();
        for (int i = 0; i < classes.Count; i++)
            if (counts[i].Answered && int.TryParse(counts[i].Text, out int n) && n > 0)
                seen.Add((classes[i], n, counts[i]));
        var single = seen.Where(s => s.Count == 1).Select(s => s.Class).ToList();
        var details = answerer.AskMany(frame, single.SelectMany(c => new[] { world.Phrase("color", c) ?? "", world.Phrase("position", c) ?? "" }).ToList());
        var objects = new List<DescribedObject>();
        foreach (var (cls, count, countAnswer) in seen)
        {
            int k = single.IndexOf(cls);
            if (k < 0)
            {
                objects.Add(new(cls, count, null, null, countAnswer.Confidence, countAnswer.Attention));
                continue;
            }
            var color = details[2 * k];
            var where = details[2 * k + 1];
            objects.Add(new(cls, 1, color.Answered && world.Colors.Contains(color.Text) ? color.Text : null,
                where.Answered && world.Positions.Contains(where.Text) ? where.Text : null,
                Math.Min(countAnswer.Confidence, Math.Min(color.Confidence, where.Confidence)), where.Attention));
        }
        var parts = objects.Select(o => o.Count > 1
            ? $"{o.Count} {world.Plural(o.Class)}"
            : $"{World.Article(o.Color ?? o.Class)} {(o.Color is null ? "" : o.Color + " ")}{o.Class}{o.Position switch { null => "", "center" => " in the center", "left" or "right" => $" on the {o.Position}", var p => $" at the {p}" }}").ToList();
        string text = parts.Count == 0 ? "I see nothing I know"
            : "I see " + (parts.Count == 1 ? parts[0] : string.Join(", ", parts[..^1]) + " and " + parts[^1]);
        return new SceneDescription(text, objects);
    }

    /// <summary>A description as an answer: its confidence the least sure item's, its map the items' maps overlaid (cell-wise maximum).</summary>
    public Answer AsAnswer(string question, FrameEncoding frame)
    {
        var frameTimings = frame.Timings();
        if (frame.OutOfWorld)
            return sceneModel.CantTell(question, "describe", frameTimings, frame, null, null);
        long t0 = Stopwatch.GetTimestamp();
        var d = Describe(frame);
        var maps = d.Objects.Select(o => o.Attention).OfType<AttentionMap>().ToList();
        AttentionMap? combined = null;
        if (maps.Count > 0)
        {
            var values = new float[maps[0].Values.Length];
            foreach (var m in maps)
                for (int c = 0; c < values.Length; c++)
                    values[c] = Math.Max(values[c], m.Values[c]);
            var strongest = maps.MaxBy(m => m.Values.Max())!;
            combined = strongest with { Values = values };
        }
        var timings = new Dictionary<string, double>(frameTimings) { ["describe"] = Math.Round(Stopwatch.GetElapsedTime(t0).TotalMilliseconds, 3) };
        float confidence = d.Objects.Count == 0 ? 0.5f : d.Objects.Min(o => o.Confidence);
        return new Answer(question, d.Text, confidence, "describe", combined, timings, answerer.Device);
    }
}
