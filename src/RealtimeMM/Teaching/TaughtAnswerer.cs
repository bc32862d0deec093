using System.Diagnostics;
using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Features;
using RealtimeMM.Frames;
using RealtimeMM.Gpu;

namespace RealtimeMM.Teaching;

/// <summary>
/// Answers about things taught by example (<see cref="Teach"/>: a name and a box on a frame): is
/// there, how many, where (the world's thirds) and what color (from the thing's own pixels, in the
/// world's color words). It reads every frame's real-image features (<see cref="ImageFeatures"/>)
/// while anything is taught, and takes the questions that name a taught name, ahead of the scene
/// model: a taught name that is also a class of the world ("person") is answered from the examples,
/// which were shown on the user's own camera. Answers carry the score map as their attention and a
/// box per thing found. Confidence is the score's margin over the presence threshold through a
/// logistic, not calibrated on data. Thread-safe.
/// </summary>
public sealed class TaughtAnswerer : IAnswerer, IFrameReader, IDisposable
{
    readonly ImageFeatures features;
    readonly bool ownsFeatures;
    readonly World world;
    readonly object gate = new();
    readonly Stack<TaughtFrame> spare = new();
    Dictionary<string, TaughtMatcher.Model> models = [];
    readonly IReadOnlyList<float[]> generic;
    readonly FeatureMap? unlike;

    public TaughtAnswerer(ImageFeatures features, TaughtVocabulary vocabulary, World world, bool ownsFeatures = true)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(vocabulary);
        ArgumentNullException.ThrowIfNull(world);
        if (vocabulary.Features != features.Name || vocabulary.Channels != features.Channels)
            throw new ArgumentException($"the vocabulary's vectors come from '{vocabulary.Features}', the features are '{features.Name}'", nameof(vocabulary));
        this.features = features;
        this.ownsFeatures = ownsFeatures;
        this.world = world;
        Vocabulary = vocabulary;
        generic = UseGenericBackground ? TaughtMatcher.GenericBackground(features.Options.Stage, features.Channels) : [];
        unlike = UseGenericBackground ? TaughtMatcher.Unlike(features.Options.Stage, features.Channels) : null;
        vocabulary.Changed += (_, _) => Rebuild();
        Rebuild();
    }

    /// <summary>
    /// Opens the real-image features and the vocabulary file at <paramref name="vocabularyPath"/>
    /// (null: in memory only). Throws <see cref="VocabularyException"/> when the file cannot be used at
    /// all; a damaged one opens with what was whole (<see cref="TaughtVocabulary.Dropped"/>).
    /// </summary>
    public static TaughtAnswerer Open(string? vocabularyPath, World world, ImageFeatureOptions? options = null, VulkanDevice? device = null, Action<string>? warn = null)
    {
        var f = ImageFeatures.Open(options, device, warn);
        try
        {
            var v = vocabularyPath is null ? TaughtVocabulary.InMemory(f.Name, f.Channels) : TaughtVocabulary.Open(vocabularyPath, f.Name, f.Channels);
            return new TaughtAnswerer(f, v, world);
        }
        catch
        {
            f.Dispose();
            throw;
        }
    }

    public string Name => "taught-examples";

    /// <summary>For measurements only: answerers made while false score names without the generic background.</summary>
    internal static bool UseGenericBackground { get; set; } = true;

    /// <summary>For measurements only: while false, <see cref="Teach"/> makes no larger views of its examples.</summary>
    internal static bool SeeLarger { get; set; } = true;

    public TaughtVocabulary Vocabulary { get; }

    public ImageFeatures Features => features;

    public bool WantsFrames => models.Count > 0;

    /// <summary>Whether <paramref name="name"/> is also a class of the world (the taught examples answer for it).</summary>
    public bool IsWorldClass(string name) => world.Classes.Contains(TaughtNames.Normalise(name));

    /// <summary>
    /// The score a frame's best cell must pass for <paramref name="name"/> to be found there: the
    /// name's best score on photos of other things (<c>docs/real-world.md</c>), at least 0.03. High
    /// when its examples look like common things; null for a name with no example of what it is.
    /// </summary>
    public float? Bar(string name) => models.TryGetValue(TaughtNames.Normalise(name), out var m) ? m.Presence : null;

    /// <summary>
    /// Teaches <paramref name="name"/> (or, with <paramref name="negative"/>, what it is not) from the
    /// thing in <paramref name="box"/> and writes the vocabulary. Throws <see cref="ArgumentException"/>
    /// naming the problem for an empty, zero-area or out-of-frame box and for a bad name.
    /// </summary>
    public TaughtExample Teach(string name, ImageView frame, BoxF box, bool negative = false, string source = "")
    {
        string n = TaughtNames.Normalise(name);
        frame.Validate();
        box.Validate(frame.Width, frame.Height);
        lock (gate)
        {
            var map = features.Extract(frame);
            var vector = map.Pool(box);
            var positives = Vocabulary.ExamplesOf(n).Where(e => !e.Negative).SelectMany(TaughtMatcher.Vectors).ToList();
            if (negative && positives.Count == 0)
                throw new ArgumentException($"'{n}' has no example of what it is yet: teach one before what it is not", nameof(negative));
            var background = negative ? [] : TaughtMatcher.Background(map, box, [.. positives, vector]);
            var views = negative || !SeeLarger ? null : Larger(frame, box, [.. positives, vector]);
            var example = new TaughtExample(n, vector, background, box, frame.Width, frame.Height, negative, source, DateTimeOffset.UtcNow, views);
            Vocabulary.Add(example);
            return example;
        }
    }

    /// <summary>How much larger an example's second view shows its box (<see cref="TaughtView"/>).</summary>
    internal const double ViewScale = 1.5;

    /// <summary>
    /// The box seen <see cref="ViewScale"/> times larger: the frame cut to a window of 1/<see cref="ViewScale"/> its
    /// size around the box (inside the frame), which the features scale to their input size. None when the box does
    /// not fit in that window.
    /// </summary>
    TaughtView[]? Larger(ImageView frame, BoxF box, float[][] positives)
    {
        int w = (int)Math.Round(frame.Width / ViewScale), h = (int)Math.Round(frame.Height / ViewScale);
        if (box.Width > w || box.Height > h)
            return null;
        int x0 = (int)Math.Clamp(Math.Round(box.X + box.Width / 2 - w / 2.0), 0, frame.Width - w);
        int y0 = (int)Math.Clamp(Math.Round(box.Y + box.Height / 2 - h / 2.0), 0, frame.Height - h);
        var window = new ImageView(frame.Pixels[(y0 * frame.Stride + x0 * frame.Channels)..], w, h, frame.Stride, frame.Channels);
        var inWindow = box with { X = box.X - x0, Y = box.Y - y0 };
        var map = features.Extract(window);
        var vector = map.Pool(inWindow);
        return [new TaughtView(ViewScale, vector, TaughtMatcher.Background(map, inWindow, [.. positives, vector]))];
    }

    void Rebuild()
    {
        var examples = Vocabulary.Examples;
        models = examples.Where(e => !e.Negative).Select(e => e.Name).Distinct()
            .ToDictionary(n => n, n => TaughtMatcher.ModelOf(n, examples.Where(e => e.Name == n), generic, unlike));
    }

    public void Read(ImageView frame, FrameEncoding encoding)
    {
        long t0 = Stopwatch.GetTimestamp();
        TaughtFrame taught;
        lock (gate)
        {
            var map = features.Extract(frame);
            taught = spare.TryPop(out var s) ? s : new TaughtFrame(this);
            taught.Map = map.CopyTo(taught.Map);
            int size = 3 * features.Options.Width * features.Options.Height;
            if (taught.Rgb.Length != size)
                taught.Rgb = new byte[size];
            features.InputRgb(taught.Rgb);
        }
        encoding.ReaderMs["features"] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        encoding.Attach(this, taught);
    }

    /// <summary>The taught name the question says (the longest, if several), with where it stands.</summary>
    string? NameIn(ParsedQuestion question)
    {
        var words = QuestionTokenizer.Words(question.Asked);
        return models.Keys.Where(n => TaughtNames.Find(words, n) is not null).MaxBy(n => n.Length);
    }

    public bool CanAnswer(ParsedQuestion question, FrameEncoding frame) => frame.Attached<TaughtFrame>(this) is not null && Takes(question);

    public bool Takes(ParsedQuestion question) =>
        question.Kind is QuestionKind.Exist or QuestionKind.Count or QuestionKind.Position or QuestionKind.Color && NameIn(question) is not null;

    /// <summary>The things that look like <paramref name="name"/> in an encoded frame, best first (empty when it was not read: nothing was taught when it was encoded).</summary>
    public IReadOnlyList<TaughtInstance> Find(FrameEncoding frame, string name)
    {
        ArgumentNullException.ThrowIfNull(frame);
        string n = TaughtNames.Normalise(name);
        var taught = frame.Attached<TaughtFrame>(this);
        if (taught?.Map is null || !models.TryGetValue(n, out var model))
            return [];
        return Scored(taught.Map, model).Found;
    }

    /// <summary>
    /// Each taught name's best score on an encoded frame, less how far the name's own bar stands above
    /// <see cref="TaughtMatcher.Presence"/> (so above <see cref="TaughtMatcher.Presence"/>: found there,
    /// for every name); empty when the frame was not read.
    /// </summary>
    internal IReadOnlyDictionary<string, float> Scores(FrameEncoding frame)
    {
        var map = frame.Attached<TaughtFrame>(this)?.Map;
        if (map is null)
            return new Dictionary<string, float>();
        var score = new float[map.Rows * map.Columns];
        var scores = new Dictionary<string, float>();
        foreach (var (name, model) in models)
        {
            TaughtMatcher.Score(map, model, score);
            scores[name] = score.Max() - (model.Presence - TaughtMatcher.Presence);
        }
        return scores;
    }

    public IReadOnlyList<Answer> Answer(FrameEncoding frame, IReadOnlyList<ParsedQuestion> questions)
    {
        var taught = frame.Attached<TaughtFrame>(this) ?? throw new InvalidOperationException("the frame was encoded before anything was taught");
        var map = taught.Map!;
        var answers = new List<Answer>(questions.Count);
        foreach (var q in questions)
        {
            long t0 = Stopwatch.GetTimestamp();
            string name = NameIn(q) ?? throw new InvalidOperationException($"'{q.Asked}' names nothing taught");
            var (grid, found) = Scored(map, models[name]);
            var timings = frame.Timings();
            timings["match"] = Math.Round(Stopwatch.GetElapsedTime(t0).TotalMilliseconds, 3);
            answers.Add(ThingAnswers.For(q, name, world, grid, found, models[name].Presence, Margin, i => ColorOf(grid, i, taught.Rgb), timings, features.Device));
        }
        return answers;
    }

    /// <summary>The margin by which an answer clears the presence threshold, through a logistic (not calibrated on data).</summary>
    static float Margin(float margin) => 1f / (1f + MathF.Exp(-MathF.Abs(margin) / 0.02f));

    static (ScoreGrid Grid, List<TaughtInstance> Found) Scored(FeatureMap map, TaughtMatcher.Model model)
    {
        var score = new float[map.Rows * map.Columns];
        TaughtMatcher.Score(map, model, score);
        var grid = new ScoreGrid(map.Rows, map.Columns, map.FrameWidth, map.FrameHeight, score);
        return (grid, TaughtMatcher.Instances(grid, model));
    }

    string? ColorOf(ScoreGrid grid, TaughtInstance instance, byte[] rgb)
    {
        int w = features.Options.Width, h = features.Options.Height;
        double sx = (double)w / grid.Columns, sy = (double)h / grid.Rows;
        var pixels = new List<int>();
        foreach (var (r, c) in TaughtMatcher.CellsOf(grid, instance))
            for (int y = (int)(r * sy); y < (int)((r + 1) * sy); y++)
                for (int x = (int)(c * sx); x < (int)((c + 1) * sx); x++)
                    pixels.Add(y * w + x);
        return ColorNamer.Name(rgb, pixels, world.Colors.ToHashSet());
    }

    internal void Recycle(TaughtFrame frame)
    {
        lock (gate)
            if (spare.Count < 4)
                spare.Push(frame);
    }

    public void Dispose()
    {
        if (ownsFeatures)
            lock (gate)
                features.Dispose();
    }
}

/// <summary>What the taught answerer keeps of one frame: its feature map and its pixels at the network's size.</summary>
internal sealed class TaughtFrame(TaughtAnswerer owner) : IDisposable
{
    public FeatureMap? Map { get; set; }
    public byte[] Rgb { get; set; } = [];

    public void Dispose() => owner.Recycle(this);
}
