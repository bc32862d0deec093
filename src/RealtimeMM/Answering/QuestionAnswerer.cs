using RealtimeMM.Bundle;
using RealtimeMM.Frames;
using RealtimeMM.Fusion;
using RealtimeMM.Gpu;

namespace RealtimeMM.Answering;

/// <summary>
/// Answers questions about frames with a model bundle. It orchestrates: a frame is encoded once
/// (<see cref="FusionEngine"/>: preprocessing, vision encoder, in-world score, on Vulkan or the
/// CPU), each question is parsed (<see cref="QuestionParser"/>, <see cref="QuestionNormaliser"/>)
/// and given to the first answerer that can take it (<see cref="AddAnswerer"/>; the bundle's scene
/// model, <c>SceneModelAnswerer</c>, takes the rest and decodes its logits). Not thread-safe: one
/// answerer per thread, or a lock around it.
/// </summary>
public sealed class QuestionAnswerer : IDisposable
{
    readonly ModelBundle bundle;
    readonly bool ownsBundle;
    readonly VulkanDevice? gpu;
    readonly bool ownsGpu;
    readonly FusionEngine engine;
    readonly QuestionNormaliser normaliser;
    readonly TextEncoderCache texts;
    readonly SceneModelAnswerer sceneModel;
    readonly SceneDescriber describer;
    readonly List<IAnswerer> answerers = [];

    /// <summary>Takes ownership of <paramref name="bundle"/> when <paramref name="ownsBundle"/> is true.</summary>
    /// <remarks>
    /// A bundle the Vulkan fusion cannot run (a head width that is not a multiple of 4, or a row
    /// larger than the device's shared memory) runs its fusion on the CPU with one warning under
    /// <see cref="DevicePreference.Auto"/>; <see cref="DevicePreference.Vulkan"/> refuses it with
    /// <see cref="NotSupportedException"/> and the reason.
    /// </remarks>
    public QuestionAnswerer(ModelBundle bundle, DevicePreference device = DevicePreference.Auto, bool ownsBundle = true, Action<string>? warn = null)
        : this(bundle, VulkanDevice.ForPolicy(device, warn), ownsGpu: true, ownsBundle, warn, gpuFusionRequired: device == DevicePreference.Vulkan)
    {
    }

    /// <summary>
    /// Runs on a Vulkan device the caller made and keeps (shared with other components; null: the CPU
    /// paths). A bundle the Vulkan fusion cannot run has its fusion on the CPU, with one warning.
    /// </summary>
    public QuestionAnswerer(ModelBundle bundle, VulkanDevice? device, bool ownsBundle = true, Action<string>? warn = null)
        : this(bundle, device, ownsGpu: false, ownsBundle, warn, gpuFusionRequired: false)
    {
    }

    QuestionAnswerer(ModelBundle bundle, VulkanDevice? device, bool ownsGpu, bool ownsBundle, Action<string>? warn, bool gpuFusionRequired)
    {
        this.bundle = bundle;
        this.ownsBundle = ownsBundle;
        this.ownsGpu = ownsGpu;
        gpu = device;
        try
        {
            engine = new FusionEngine(bundle, device, warn, gpuFusionRequired);
        }
        catch
        {
            if (ownsGpu)
                gpu?.Dispose();
            throw;
        }
        normaliser = QuestionNormaliser.For(bundle);
        texts = new TextEncoderCache(bundle);
        sceneModel = new SceneModelAnswerer(bundle, engine, texts);
        describer = new SceneDescriber(this, sceneModel);
        answerers.Add(sceneModel);
    }

    /// <summary>Loads the bundle at <paramref name="folder"/> (default: the shipped one) and owns it.</summary>
    public static QuestionAnswerer Open(string? folder = null, DevicePreference device = DevicePreference.Auto, Action<string>? warn = null) =>
        new(ModelBundle.Load(folder ?? ModelBundle.DefaultFolder), device, ownsBundle: true, warn);

    public ModelBundle Bundle => bundle;

    /// <summary>Where preprocessing and fusion run: <c>vulkan:NAME</c> or <c>cpu</c> (the encoders run in ONNX Runtime on the CPU).</summary>
    public string Device => engine.Device;

    /// <summary>Where the fusion runs: <c>vulkan:NAME</c>, or <c>cpu</c> (no device, a bundle the Vulkan fusion cannot run, or after <see cref="FellBack"/>).</summary>
    public string FusionDevice => engine.FusionDevice;

    /// <summary>
    /// Why the answerer left its Vulkan device for the CPU paths (a lost device, or any other Vulkan
    /// failure mid-stream, its own or another component's on a shared device), or null while it has
    /// not. It happens once: the frame or question that met the failure is redone on the CPU, the
    /// warning callback hears it once, and every later call runs on the CPU.
    /// </summary>
    public string? FellBack => engine.FellBack;

    /// <summary>The Vulkan device the answerer runs on (its own or the caller's), while it has not fallen back to the CPU; null on the CPU paths. Other work can share it (a session's overlay).</summary>
    public VulkanDevice? VulkanDevice => engine.FellBack is null && Device != "cpu" ? gpu : null;

    /// <summary>The frame encoder and fusion, for the check-and-bench harnesses (rtmm eval --compare-fusion, the tests).</summary>
    internal FusionEngine Engine => engine;

    /// <summary>The text encoder's cache, for the same harnesses.</summary>
    internal TextEncoderCache Texts => texts;

    /// <summary>The answerers in the order questions go to them: those added, then the scene model.</summary>
    public IReadOnlyList<IAnswerer> Answerers => answerers;

    /// <summary>Puts an answerer ahead of the ones there are: it gets every question it says it can take.</summary>
    public void AddAnswerer(IAnswerer answerer)
    {
        ArgumentNullException.ThrowIfNull(answerer);
        answerers.Insert(0, answerer);
    }

    /// <summary>
    /// Whether an answerer other than the scene model takes <paramref name="question"/> on the frames it
    /// reads (<see cref="IAnswerer.Takes"/>): a question about a taught name is accepted although the
    /// scene model's words cannot say it.
    /// </summary>
    public bool AnotherAnswererTakes(string question)
    {
        var parsed = normaliser.Interpret(question);
        var kind = QuestionParser.KindOf(question);
        if (parsed.Kind == QuestionKind.Unknown && kind != QuestionKind.Unknown)
            parsed = parsed with { Kind = kind };
        return answerers.Where(a => a != sceneModel).Any(a => a.Takes(parsed));
    }

    /// <summary>Preprocesses and encodes a frame; answerers that read pixels themselves (<see cref="IFrameReader"/>) read it too.</summary>
    public FrameEncoding Encode(ImageView frame)
    {
        var encoding = engine.Encode(frame);
        try
        {
            foreach (var reader in answerers.OfType<IFrameReader>())
                if (reader.WantsFrames)
                    reader.Read(frame, encoding);
        }
        catch
        {
            encoding.Dispose();
            throw;
        }
        return encoding;
    }

    /// <summary>The L2-normalised text embedding of <paramref name="text"/> (for text search); null if it has too many words.</summary>
    public float[]? EmbedText(string text) => texts.For(text)?.Embedding;

    /// <summary>Answers <paramref name="question"/> about a frame (its encoding's buffers go back for the next frame's).</summary>
    public Answer Ask(ImageView frame, string question)
    {
        using var encoding = Encode(frame);
        return Ask(encoding, question);
    }

    /// <summary>Answers <paramref name="question"/> about an encoded frame.</summary>
    public Answer Ask(FrameEncoding frame, string question) => AskMany(frame, [question])[0];

    /// <summary>
    /// Answers several questions about one encoded frame. Each is parsed, then the questions an
    /// answerer takes go to it together: the scene model's fusion runs them as one Vulkan dispatch
    /// (up to the fusion's batch size at a time), or shares the frame's keys and values on the CPU.
    /// </summary>
    public Answer[] AskMany(FrameEncoding frame, IReadOnlyList<string> questions)
    {
        ArgumentNullException.ThrowIfNull(frame);
        frame.ThrowIfDisposed();
        var results = new Answer?[questions.Count];
        var routed = answerers.ToDictionary(a => a, _ => new List<(int Index, ParsedQuestion Question)>());
        for (int i = 0; i < questions.Count; i++)
        {
            string question = questions[i] ?? throw new ArgumentNullException(nameof(questions), $"question {i} is null");
            var kind = QuestionParser.KindOf(question);
            if (kind == QuestionKind.Describe)
            {
                results[i] = describer.AsAnswer(question, frame);
                continue;
            }
            if (QuestionTokenizer.Words(question).Length == 0)
            {
                results[i] = Answer.CantAnswer(question, kind.Name(), frame.Timings(), Device,
                    string.IsNullOrWhiteSpace(question) ? "the question is empty" : "the question has no words the model reads (it reads English words in Latin letters)");
                continue;
            }
            // a question the world's words cannot place still goes to the answerers: another may take it (the scene model refuses it, with the reason)
            var parsed = normaliser.Interpret(question);
            if (parsed.Kind == QuestionKind.Unknown && kind != QuestionKind.Unknown)
                parsed = parsed with { Kind = kind };
            routed[answerers.First(a => a.CanAnswer(parsed, frame))].Add((i, parsed));
        }
        foreach (var (answerer, taken) in routed.Where(r => r.Value.Count > 0))
        {
            var answers = answerer.Answer(frame, taken.Select(t => t.Question).ToList());
            if (answers.Count != taken.Count)
                throw new InvalidOperationException($"answerer '{answerer.Name}' gave {answers.Count} answers to {taken.Count} questions");
            for (int k = 0; k < taken.Count; k++)
                results[taken[k].Index] = answers[k] with { Answerer = answerer.Name };
        }
        return results.Select(r => r!).ToArray();
    }

    /// <summary>
    /// How an answer is said at a calibrated confidence: as it is, or, below the bundle's not-sure
    /// threshold, "not sure — maybe ANSWER" (the best guess, and a flag).
    /// </summary>
    public (string Text, bool NotSure) Phrase(string answer, float confidence) => sceneModel.Phrase(answer, confidence);

    /// <summary>What a not-sure answer's text starts with, before the best guess.</summary>
    public const string NotSurePrefix = "not sure — maybe ";

    /// <summary>What the scene model says about a frame unlike its scenes.</summary>
    public const string CantTellText = "I can't tell from this picture: it doesn't look like the scenes I know";

    /// <summary>
    /// Describes a frame from the model's own answers: "how many X are there" for every class in
    /// one batch, then "what color is the X" and "where is the X" for each class seen once.
    /// </summary>
    public SceneDescription Describe(FrameEncoding frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        frame.ThrowIfDisposed();
        return describer.Describe(frame);
    }

    /// <summary>The question's kind from its words (see <see cref="QuestionParser.KindOf"/>): "color", "count", "exist", "position", "identify", "describe" or "unknown".</summary>
    public static string KindOf(string question) => QuestionParser.KindOf(question).Name();

    public void Dispose()
    {
        engine.Dispose();
        if (ownsGpu)
            gpu?.Dispose();
        if (ownsBundle)
            bundle.Dispose();
    }
}
