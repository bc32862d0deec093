using System.Diagnostics;
using RealtimeMM.Frames;
using RealtimeMM.Gpu;
using RealtimeMM.Preprocess;
using RealtimeMM.Scenes;

namespace RealtimeMM.Models;

/// <summary>
/// Answers questions about frames with a model bundle: preprocess (device policy), vision encoder
/// once per frame, text encoder once per distinct question (cached), fusion per question. Not
/// thread-safe: one answerer per thread, or a lock around it.
/// </summary>
public sealed class QuestionAnswerer : IDisposable
{
    const int TextCacheSize = 256;
    readonly ModelBundle bundle;
    readonly bool ownsBundle;
    readonly IPreprocessor preprocessor;
    readonly FusionReference fusion;
    readonly VulkanDevice? gpu;
    readonly VulkanFusion? gpuFusion;
    readonly float[] tensor;
    readonly Dictionary<string, (float[] States, float[] Mask, float[] Embedding, string[] Unknown)> textCache = [];
    readonly LinkedList<string> textOrder = new();

    /// <summary>Takes ownership of <paramref name="bundle"/> when <paramref name="ownsBundle"/> is true.</summary>
    public QuestionAnswerer(ModelBundle bundle, DevicePreference device = DevicePreference.Auto, bool ownsBundle = true, Action<string>? warn = null)
    {
        this.bundle = bundle;
        this.ownsBundle = ownsBundle;
        fusion = new FusionReference(bundle.Fusion);
        tensor = new float[bundle.Preprocess.OutputLength];
        gpu = VulkanDevice.ForPolicy(device, warn);
        try
        {
            preprocessor = gpu is null ? new CpuPreprocessor(bundle.Preprocess) : new VulkanPreprocessor(gpu, bundle.Preprocess);
            gpuFusion = gpu is null ? null : new VulkanFusion(gpu, bundle.Fusion, bundle.Manifest.ImageTokens, bundle.Manifest.MaxTokens, maxQuestions: 4);
        }
        catch
        {
            preprocessor?.Dispose();
            gpu?.Dispose();
            throw;
        }
    }

    /// <summary>Loads the bundle at <paramref name="folder"/> (default: the shipped one) and owns it.</summary>
    public static QuestionAnswerer Open(string? folder = null, DevicePreference device = DevicePreference.Auto, Action<string>? warn = null) =>
        new(ModelBundle.Load(folder ?? ModelBundle.DefaultFolder), device, ownsBundle: true, warn);

    public ModelBundle Bundle => bundle;

    /// <summary>Where preprocessing and fusion run: <c>vulkan:NAME</c> or <c>cpu</c> (the encoders run in ONNX Runtime on the CPU).</summary>
    public string Device => preprocessor.Device;

    /// <summary>One frame's encoding: its image tokens ready for every question, and its embedding.</summary>
    public sealed class FrameEncoding
    {
        internal FrameEncoding(int width, int height, FusionReference.ImageKeys? keys, float[]? tokens, float[] embedding, double preprocessMs, double visionMs)
        {
            Tokens = tokens;
            Width = width;
            Height = height;
            Keys = keys;
            Embedding = embedding;
            PreprocessMs = preprocessMs;
            VisionMs = visionMs;
        }

        public int Width { get; }
        public int Height { get; }
        internal FusionReference.ImageKeys? Keys { get; }

        /// <summary>The raw image tokens, kept for the Vulkan fusion.</summary>
        internal float[]? Tokens { get; }

        /// <summary>The L2-normalised image embedding (for text search).</summary>
        public float[] Embedding { get; }

        public double PreprocessMs { get; }
        public double VisionMs { get; }
    }

    /// <summary>Preprocesses and encodes a frame.</summary>
    public FrameEncoding Encode(ImageView frame)
    {
        long t0 = Stopwatch.GetTimestamp();
        preprocessor.Run(frame, tensor);
        long t1 = Stopwatch.GetTimestamp();
        tensor.CopyTo(bundle.Vision.Input, 0);
        bundle.Vision.Run();
        var m = bundle.Manifest;
        var keys = gpuFusion is null ? fusion.PrepareImage(bundle.Vision.Outputs[0], m.ImageTokens) : null;
        var tokens = gpuFusion is null ? null : (float[])bundle.Vision.Outputs[0].Clone();
        long t2 = Stopwatch.GetTimestamp();
        return new FrameEncoding(frame.Width, frame.Height, keys, tokens, (float[])bundle.Vision.Outputs[1].Clone(),
            Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds, Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds);
    }

    /// <summary>The L2-normalised text embedding of <paramref name="text"/> (for text search); null if it has too many words.</summary>
    public float[]? EmbedText(string text) => TextFor(text)?.Embedding;

    /// <summary>Answers <paramref name="question"/> about a frame.</summary>
    public Answer Ask(ImageView frame, string question) => Ask(Encode(frame), question);

    /// <summary>Answers <paramref name="question"/> about an encoded frame.</summary>
    public Answer Ask(FrameEncoding frame, string question)
    {
        ArgumentNullException.ThrowIfNull(question);
        var timings = new Dictionary<string, double> { ["preprocess"] = Round(frame.PreprocessMs), ["vision"] = Round(frame.VisionMs) };
        string kind = KindOf(question);
        var words = QuestionTokenizer.Words(question);
        if (words.Length == 0)
            return CantAnswer(question, kind, timings, string.IsNullOrWhiteSpace(question) ? "the question is empty" : "the question has no words the model reads (it reads English words in Latin letters)");
        long t0 = Stopwatch.GetTimestamp();
        var text = TextFor(question);
        if (text is null)
            return CantAnswer(question, kind, timings, $"the question has {words.Length} words; the model reads at most {bundle.Manifest.MaxTokens - 1}");
        long t1 = Stopwatch.GetTimestamp();
        var (answer, confidence, attention, probabilities) = Fuse(frame, text.Value.States, text.Value.Mask);
        long t2 = Stopwatch.GetTimestamp();
        timings["text"] = Round(Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds);
        timings["fusion"] = Round(Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds);
        string chosen = answer;
        if (text.Value.Unknown.Length > 0)
            return CantAnswer(question, kind, timings, $"unknown word{(text.Value.Unknown.Length > 1 ? "s" : "")} {string.Join(", ", text.Value.Unknown.Select(u => $"'{u}'"))}", attention, confidence, chosen) with { Probabilities = probabilities };
        if (answer == AnswerVocabulary.Unanswerable)
            return CantAnswer(question, kind, timings, "the question is about something outside the scene world", attention, confidence, chosen) with { Probabilities = probabilities };
        if (answer == AnswerVocabulary.Several)
            answer = Several(frame, words) ?? answer;
        if (kind == "unknown")
            kind = KindOfAnswer(answer);
        return new Answer(question, answer, confidence, kind, attention, timings, Device, null, chosen) { Probabilities = probabilities };
    }

    (string Answer, float Confidence, AttentionMap Map, float[] Probabilities) Fuse(FrameEncoding frame, float[] states, float[] mask)
    {
        var m = bundle.Manifest;
        var logits = new float[m.Answers.Length];
        var attention = new float[m.FusionLayers * m.Heads * m.ImageTokens];
        if (gpuFusion is not null)
            gpuFusion.Run(frame.Tokens, [(states, mask)], logits, attention);
        else
            fusion.Run(frame.Keys!, states, mask, logits, attention);
        int best = 0;
        for (int i = 1; i < logits.Length; i++)
            if (logits[i] > logits[best])
                best = i;
        float sum = 0;
        foreach (float l in logits)
            sum += MathF.Exp(l - logits[best]);
        var probabilities = logits.Select(l => MathF.Exp(l - logits[best]) / sum).ToArray();
        // the overlay's map: last layer, mean over heads, patch cells only
        int cells = m.GridWidth * m.GridHeight;
        var map = new float[cells];
        int lastLayer = (m.FusionLayers - 1) * m.Heads * m.ImageTokens;
        for (int h = 0; h < m.Heads; h++)
            for (int c = 0; c < cells; c++)
                map[c] += attention[lastLayer + h * m.ImageTokens + c] / m.Heads;
        int peak = 0;
        for (int c = 1; c < cells; c++)
            if (map[c] > map[peak])
                peak = c;
        double px = (peak % m.GridWidth + 0.5) * frame.Width / m.GridWidth, py = (peak / m.GridWidth + 0.5) * frame.Height / m.GridHeight;
        return (m.Answers[best], 1f / sum, new AttentionMap(m.GridWidth, m.GridHeight, map, px, py), probabilities);
    }

    /// <summary>"the X" matched more than one: say how many, by asking the model to count them.</summary>
    string? Several(FrameEncoding frame, string[] words)
    {
        var noun = words.Select(w => SceneWorld.Classes.FirstOrDefault(c => c == w || SceneWorld.Plural(c) == w)).FirstOrDefault(c => c is not null);
        if (noun is null)
            return null;
        var count = TextFor($"how many {SceneWorld.Plural(noun)} are there");
        if (count is null)
            return null;
        var (n, _, _, _) = Fuse(frame, count.Value.States, count.Value.Mask);
        return int.TryParse(n, out int k) && k > 1 ? $"there are {k} {SceneWorld.Plural(noun)}" : $"there is more than one {noun}";
    }

    (float[] States, float[] Mask, float[] Embedding, string[] Unknown)? TextFor(string text)
    {
        if (textCache.TryGetValue(text, out var hit))
            return hit;
        var enc = bundle.Text;
        IReadOnlyList<string> unknown;
        try
        {
            unknown = bundle.Tokenizer.Encode(text, enc.Input);
        }
        catch (ArgumentException)
        {
            return null;
        }
        enc.Run();
        var mask = enc.Input.Select(t => t != 0 ? 1f : 0f).ToArray();
        var entry = ((float[])enc.Outputs[0].Clone(), mask, (float[])enc.Outputs[1].Clone(), unknown.ToArray());
        textCache[text] = entry;
        textOrder.AddLast(text);
        if (textOrder.Count > TextCacheSize)
        {
            textCache.Remove(textOrder.First!.Value);
            textOrder.RemoveFirst();
        }
        return entry;
    }

    Answer CantAnswer(string question, string kind, Dictionary<string, double> timings, string reason, AttentionMap? attention = null, float modelConfidence = 0f, string? chosen = null) =>
        new(question, $"I can't answer that about this scene: {reason}", Math.Min(modelConfidence, 0.1f), kind, attention, timings, Device, reason, chosen);

    /// <summary>The question's kind from its words (SCENES.md's five), or "unknown".</summary>
    public static string KindOf(string question)
    {
        var w = QuestionTokenizer.Words(question);
        string s = " " + string.Join(' ', w) + " ";
        if (w.Contains("color") || w.Contains("colour"))
            return "color";
        if (s.Contains(" how many ") || w.FirstOrDefault() == "count")
            return "count";
        if (w.FirstOrDefault() is "where" or "where's" || s.Contains(" which part "))
            return "position";
        if (s.StartsWith(" is there ") || s.StartsWith(" are there ") || s.StartsWith(" do you see ") || s.StartsWith(" can you see "))
            return "exist";
        if (s.StartsWith(" what is the ") || s.StartsWith(" which object ") || s.StartsWith(" what kind ") || s.StartsWith(" what's the "))
            return "identify";
        return "unknown";
    }

    static string KindOfAnswer(string answer) =>
        SceneWorld.Colors.Contains(answer) ? "color" : answer is "yes" or "no" ? "exist" : int.TryParse(answer, out _) ? "count"
        : SceneWorld.Positions.Contains(answer) ? "position" : SceneWorld.Classes.Contains(answer) ? "identify" : "unknown";

    static double Round(double ms) => Math.Round(ms, 3);

    public void Dispose()
    {
        gpuFusion?.Dispose();
        preprocessor.Dispose();
        gpu?.Dispose();
        if (ownsBundle)
            bundle.Dispose();
    }
}
