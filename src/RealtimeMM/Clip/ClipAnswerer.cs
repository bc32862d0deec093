using System.Diagnostics;
using System.Numerics.Tensors;
using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Frames;
using RealtimeMM.Teaching;

namespace RealtimeMM.Clip;

/// <summary>
/// Answers about things by name through a CLIP bundle: is there, how many, where (the world's thirds),
/// what color, and what is the COLOR object. A name is said as a prompt ensemble (the unit mean of the
/// bundle's <see cref="ClipBundle.PromptTemplates"/>: "a photo of a X", "a picture of a X", ...). Each
/// patch scores how much more probable it is that it shows the name than the likeliest other name the
/// answerer knows or the background (softmax at the model's logit scale over their ensembles); a
/// question with a color ("is there a red car") scores "red car" against every color of every name.
/// The shared engine of named things (<c>ThingAnswers</c>) turns that grid into answers: peaks where
/// the name wins are things, the grid is the attention. Colors: the thing's patches against the
/// name said with each of the world's colors. It takes questions that name one of its
/// <see cref="Names"/>. Not thread-safe.
/// </summary>
public sealed class ClipAnswerer : IAnswerer, IFrameReader, IDisposable
{
    const float Presence = 0f;
    const string Background = "(background)";

    readonly ClipBundle clip;
    readonly bool ownsClip;
    readonly World world;
    readonly Dictionary<string, float[]> prompts = [];

    /// <param name="names">What it answers about by name (default: the world's classes).</param>
    public ClipAnswerer(ClipBundle clip, World world, IEnumerable<string>? names = null, bool ownsClip = true)
    {
        this.clip = clip;
        this.world = world;
        this.ownsClip = ownsClip;
        Names = (names ?? world.Classes).Select(TaughtNames.Normalise).Distinct().ToList();
        if (Names.Count < 2)
            throw new ArgumentException("a CLIP answerer needs at least two names: each patch is scored against the others", nameof(names));
    }

    public string Name => "clip";

    /// <summary>The names it answers about.</summary>
    public IReadOnlyList<string> Names { get; }

    public bool WantsFrames => true;

    public ClipBundle Bundle => clip;

    public void Read(ImageView frame, FrameEncoding encoding)
    {
        long t0 = Stopwatch.GetTimestamp();
        var image = clip.EncodeImage(frame);
        encoding.ReaderMs["clip"] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        encoding.Attach(this, new ClipFrame(image, frame.Width, frame.Height));
    }

    sealed record ClipFrame(ClipImage Image, int Width, int Height);

    string? NameIn(ParsedQuestion q)
    {
        var words = QuestionTokenizer.Words(q.Asked);
        return Names.Where(n => TaughtNames.Find(words, n) is not null).MaxBy(n => n.Length);
    }

    public bool CanAnswer(ParsedQuestion question, FrameEncoding frame) => frame.Attached<ClipFrame>(this) is not null && Takes(question);

    public bool Takes(ParsedQuestion question) =>
        question.Kind switch
        {
            QuestionKind.Exist or QuestionKind.Count or QuestionKind.Position or QuestionKind.Color => NameIn(question) is not null,
            QuestionKind.Identify => question.Color is not null || world.Colors.Any(c => QuestionTokenizer.Words(question.Asked).Contains(c)),
            _ => false,
        };

    /// <summary>The unit mean of a name's prompts (cached); a template with {color} is said with each of the world's colors, unless the name has its own.</summary>
    float[] Ensemble(string name)
    {
        if (prompts.TryGetValue(name, out var e))
            return e;
        if (name == Background)
            return prompts[name] = Mean(clip.BackgroundPrompts.Select(clip.EncodeText));
        bool colored = world.Colors.Any(c => name.StartsWith(c + " ", StringComparison.Ordinal));
        return prompts[name] = Mean(clip.PromptTemplates.SelectMany(t => (t.Contains("{color}") && !colored ? world.Colors : [""])
            .Select(c => clip.EncodeText(string.Format(t.Replace("{color}", c), name).Replace("  ", " ")))));
    }

    float[] Mean(IEnumerable<float[]> embeddings)
    {
        var sum = new float[clip.Dimensions];
        foreach (var e in embeddings)
            TensorPrimitives.Add(sum, e, sum);
        Features.FeatureMap.Normalise(sum);
        return sum;
    }

    /// <summary>The color the question puts on its name ("is there a red car"), or null.</summary>
    string? ColorOf(ParsedQuestion q, string name)
    {
        var words = QuestionTokenizer.Words(q.Asked);
        return TaughtNames.Find(words, name) is { At: > 0 } at && world.Colors.Contains(words[at.At - 1]) ? words[at.At - 1] : null;
    }

    /// <summary>
    /// Per patch, how much more probable it is that it shows <paramref name="name"/> than the likeliest of
    /// the other names and the background (softmax over all of them): above zero, the name wins the patch.
    /// </summary>
    ScoreGrid Probability(ClipFrame f, string name, IReadOnlyList<string> others)
    {
        var among = others.Append(Background).ToList();
        var image = f.Image;
        int cells = image.GridWidth * image.GridHeight;
        var score = new float[cells];
        var logits = new float[among.Count];
        int self = among.ToList().IndexOf(name);
        var embeddings = among.Select(Ensemble).ToArray();
        for (int p = 0; p < cells; p++)
        {
            var patch = image.Patches.AsSpan(p * image.Dimensions, image.Dimensions);
            for (int k = 0; k < among.Count; k++)
                logits[k] = clip.LogitScale * TensorPrimitives.Dot(patch, embeddings[k]);
            TensorPrimitives.SoftMax(logits, logits);
            float best = 0;
            for (int k = 0; k < logits.Length; k++)
                if (k != self)
                    best = Math.Max(best, logits[k]);
            score[p] = logits[self] - best;
        }
        return new ScoreGrid(image.GridHeight, image.GridWidth, f.Width, f.Height, score);
    }

    public IReadOnlyList<Answer> Answer(FrameEncoding frame, IReadOnlyList<ParsedQuestion> questions)
    {
        var f = frame.Attached<ClipFrame>(this) ?? throw new InvalidOperationException("the frame was encoded before the CLIP answerer was added");
        var answers = new List<Answer>(questions.Count);
        foreach (var q in questions)
        {
            long t0 = Stopwatch.GetTimestamp();
            var timings = frame.Timings();
            if (q.Kind == QuestionKind.Identify)
            {
                answers.Add(Identify(q, f, timings, t0));
                continue;
            }
            string name = NameIn(q)!;
            // "red car" among every color of every name; "car" among the names
            var grid = ColorOf(q, name) is { } color
                ? Probability(f, $"{color} {name}", [.. world.Colors.SelectMany(c => Names.Select(n => $"{c} {n}"))])
                : Probability(f, name, Names);
            var found = TaughtMatcher.Instances(grid, Presence, 0, 0);
            timings["match"] = Math.Round(Stopwatch.GetElapsedTime(t0).TotalMilliseconds, 3);
            answers.Add(ThingAnswers.For(q, name, world, grid, found, Presence, m => 0.5f + Math.Abs(m) / 2, i => ColorOf(f, grid, i, name), timings, clip.Device));
        }
        return answers;
    }

    /// <summary>The world's color whose "a photo of a COLOR NAME" is nearest the thing's own patches.</summary>
    string? ColorOf(ClipFrame f, ScoreGrid grid, TaughtInstance thing, string name)
    {
        var mean = new float[clip.Dimensions];
        foreach (var (r, c) in TaughtMatcher.CellsOf(grid, thing))
            TensorPrimitives.Add(mean, f.Image.Patch(r, c), mean);
        return world.Colors.Count == 0 || TensorPrimitives.Norm(mean) == 0 ? null
            : world.Colors.MaxBy(color => TensorPrimitives.Dot(mean, Ensemble($"{color} {name}")));
    }

    /// <summary>"What is the red object": the name whose "COLOR NAME" prompts best match some patch.</summary>
    Answer Identify(ParsedQuestion q, ClipFrame f, Dictionary<string, double> timings, long t0)
    {
        string color = q.Color ?? world.Colors.First(c => QuestionTokenizer.Words(q.Asked).Contains(c));
        var colored = Names.Select(n => $"{color} {n}").ToList();
        ScoreGrid? bestGrid = null;
        string best = Names[0];
        foreach (var n in Names)
        {
            var grid = Probability(f, $"{color} {n}", colored);
            if (bestGrid is null || grid.Score.Max() > bestGrid.Score.Max())
                (bestGrid, best) = (grid, n);
        }
        timings["match"] = Math.Round(Stopwatch.GetElapsedTime(t0).TotalMilliseconds, 3);
        return new Answer(q.Asked, best, bestGrid!.Score.Max(), q.Kind.Name(), ThingAnswers.Attention(bestGrid), timings, clip.Device);
    }

    public void Dispose()
    {
        if (ownsClip)
            clip.Dispose();
    }
}
