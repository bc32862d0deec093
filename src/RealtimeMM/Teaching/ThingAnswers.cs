using RealtimeMM.Answering;
using RealtimeMM.Bundle;

namespace RealtimeMM.Teaching;

/// <summary>
/// The answering engine that taught examples and CLIP names share: from a grid scoring how much each
/// cell looks like the named thing, and the things found in it, the answer to is there, how many,
/// where (the world's thirds) and what color; "I don't see a X" where the question presupposes one.
/// Its attention is the score's positive part, and every thing found is a box.
/// </summary>
internal static class ThingAnswers
{
    /// <param name="margin">How far a score stands from the presence threshold, as a probability that the answer is right (not calibrated on data).</param>
    /// <param name="color">The color word of a thing found, or null when it cannot tell.</param>
    public static Answer For(ParsedQuestion q, string name, World world, ScoreGrid grid, IReadOnlyList<TaughtInstance> found, float presence,
        Func<float, float> margin, Func<TaughtInstance, string?> color, Dictionary<string, double> timings, string device)
    {
        float best = grid.Score.Max();
        var attention = Attention(grid);
        var boxes = found.Select(i => i.Box).ToList();
        string kind = q.Kind.Name(), article = World.Article(name);
        Answer Make(string text, float confidence, bool notInView = false) =>
            new(q.Asked, text, confidence, kind, attention, timings, device) { Boxes = boxes, NotInView = notInView };
        return q.Kind switch
        {
            QuestionKind.Exist => Make(found.Count > 0 ? "yes" : "no", margin(best - presence)),
            QuestionKind.Count => Make(found.Count.ToString(), margin(found.Count > 0 ? found.Min(f => f.Score) - presence : best - presence)),
            _ when found.Count == 0 => Make($"I don't see {article} {name}", margin(best - presence), notInView: true),
            QuestionKind.Position => Make(world.PositionOf(found[0].PeakX, found[0].PeakY, grid.FrameWidth, grid.FrameHeight), margin(found[0].Score - presence)),
            _ => color(found[0]) is { } c ? Make(c, margin(found[0].Score - presence)) : Make($"I don't see {article} {name}", 0.5f, notInView: true),
        };
    }

    /// <summary>The score's positive part as the answer's attention map, its peak in frame pixels.</summary>
    public static AttentionMap Attention(ScoreGrid grid)
    {
        var values = grid.Score.Select(s => Math.Max(0, s)).ToArray();
        float sum = values.Sum();
        if (sum > 0)
            for (int i = 0; i < values.Length; i++)
                values[i] /= sum;
        int peak = Array.IndexOf(grid.Score, grid.Score.Max());
        return new AttentionMap(grid.Columns, grid.Rows, values, (peak % grid.Columns + 0.5) * grid.CellWidth, (peak / grid.Columns + 0.5) * grid.CellHeight);
    }
}
