using System.Diagnostics;
using RealtimeMM.Frames;
using RealtimeMM.Gpu;
using RealtimeMM.Preprocess;

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
    World world => bundle.Manifest.World;
    readonly bool ownsBundle;
    IPreprocessor preprocessor;
    readonly FusionReference fusion;
    readonly QuestionNormaliser normaliser;
    readonly VulkanDevice? gpu;
    readonly bool ownsGpu;
    VulkanFusion? gpuFusion;
    readonly Action<string>? warn;
    readonly float[] tensor;
    readonly Dictionary<string, (float[] States, float[] Mask, float[] Embedding, string[] Unknown)> textCache = [];
    readonly LinkedList<string> textOrder = new();
    const int MaxSpareFrames = 4;
    readonly Lock spareGate = new();
    readonly Stack<FusionReference.ImageKeys> spareKeys = new();
    readonly Stack<float[]> spareTokens = new();

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
        this.warn = warn;
        this.bundle = bundle;
        this.ownsBundle = ownsBundle;
        this.ownsGpu = ownsGpu;
        fusion = new FusionReference(bundle.Fusion);
        normaliser = QuestionNormaliser.For(bundle);
        tensor = new float[bundle.Preprocess.OutputLength];
        gpu = device;
        try
        {
            preprocessor = gpu is null ? new CpuPreprocessor(bundle.Preprocess) : new VulkanPreprocessor(gpu, bundle.Preprocess);
            gpuFusion = gpu is null ? null : OpenGpuFusion(gpu, gpuFusionRequired);
        }
        catch
        {
            preprocessor?.Dispose();
            if (ownsGpu)
                gpu?.Dispose();
            throw;
        }
    }

    VulkanFusion? OpenGpuFusion(VulkanDevice device, bool required)
    {
        try
        {
            return new VulkanFusion(device, bundle.Fusion, bundle.Manifest.ImageTokens, bundle.Manifest.MaxTokens, maxQuestions: 16);
        }
        catch (NotSupportedException e) when (!required)
        {
            warn?.Invoke($"model '{bundle.Manifest.Name}' on {device}: {e.Message}; its fusion runs on the CPU, preprocessing stays on Vulkan");
            return null;
        }
    }

    /// <summary>Loads the bundle at <paramref name="folder"/> (default: the shipped one) and owns it.</summary>
    public static QuestionAnswerer Open(string? folder = null, DevicePreference device = DevicePreference.Auto, Action<string>? warn = null) =>
        new(ModelBundle.Load(folder ?? ModelBundle.DefaultFolder), device, ownsBundle: true, warn);

    public ModelBundle Bundle => bundle;

    /// <summary>Where preprocessing and fusion run: <c>vulkan:NAME</c> or <c>cpu</c> (the encoders run in ONNX Runtime on the CPU).</summary>
    public string Device => preprocessor.Device;

    /// <summary>Where the fusion runs: <c>vulkan:NAME</c>, or <c>cpu</c> (no device, a bundle the Vulkan fusion cannot run, or after <see cref="FellBack"/>).</summary>
    public string FusionDevice => gpuFusion is null ? "cpu" : preprocessor.Device;

    /// <summary>
    /// Why the answerer left its Vulkan device for the CPU paths (a lost device, or any other Vulkan
    /// failure mid-stream), or null while it has not. It happens once: the frame or question that
    /// met the failure is redone on the CPU, the warning callback hears it once, and every later
    /// call runs on the CPU.
    /// </summary>
    public string? FellBack { get; private set; }

    /// <summary>Fault injection for tests: the next Vulkan call fails as a lost device would (a real loss cannot be caused on lavapipe).</summary>
    internal bool InjectDeviceLost { get; set; }

    void ThrowIfInjected()
    {
        if (!InjectDeviceLost)
            return;
        InjectDeviceLost = false;
        throw new VulkanException("vkQueueSubmit (injected)", -4, "ErrorDeviceLost");
    }

    void FallBackToCpu(VulkanException e)
    {
        FellBack = $"the Vulkan device failed ({e.Message}); continuing on the CPU (preprocessing and fusion)";
        warn?.Invoke(FellBack);
        var (oldPre, oldFusion) = (preprocessor, gpuFusion);
        preprocessor = new CpuPreprocessor(bundle.Preprocess);
        gpuFusion = null;
        try
        {
            oldFusion?.Dispose();
            oldPre.Dispose();
        }
        catch (VulkanException)
        {
            // a lost device may fail its waits while its objects go; nothing more can be done with it
        }
    }

    /// <summary>
    /// One frame's encoding: its image tokens ready for every question, and its embedding.
    /// Disposing it is optional and gives its image buffers (a few hundred KB, on the large-object
    /// heap) back to the answerer for the next frame, so a stream that disposes each frame's encoding
    /// once answered allocates next to nothing per frame and never makes the garbage collector run a
    /// full collection for them. A disposed encoding cannot be asked about
    /// (<see cref="ObjectDisposedException"/>); its <see cref="Embedding"/> stays readable.
    /// </summary>
    public sealed class FrameEncoding : IDisposable
    {
        QuestionAnswerer? owner;

        internal FrameEncoding(QuestionAnswerer owner, int width, int height, FusionReference.ImageKeys? keys, float[]? tokens, float[] embedding, double preprocessMs, double visionMs, double keysMs, double? inWorld, bool outOfWorld)
        {
            InWorld = inWorld;
            OutOfWorld = outOfWorld;
            this.owner = owner;
            KeysMs = keysMs;
            Tokens = tokens;
            Width = width;
            Height = height;
            Keys = keys;
            Embedding = embedding;
            PreprocessMs = preprocessMs;
            VisionMs = visionMs;
        }

        /// <summary>Whether <see cref="Dispose"/> has run.</summary>
        public bool IsDisposed => Volatile.Read(ref owner) is null;

        internal void ThrowIfDisposed()
        {
            if (IsDisposed)
                throw new ObjectDisposedException(nameof(FrameEncoding), "the frame's encoding was disposed (its image buffers went back to the answerer): encode the frame again to ask about it");
        }

        /// <summary>Gives the image buffers back to the answerer that made them, for its next frames: call it once no question about this frame is being answered (idempotent; any thread).</summary>
        public void Dispose()
        {
            var from = Interlocked.Exchange(ref owner, null);
            if (from is null)
                return;
            from.Recycle(Keys, Tokens);
            Keys = null;
            Tokens = null;
        }

        public int Width { get; }
        public int Height { get; }
        internal FusionReference.ImageKeys? Keys { get; set; }

        /// <summary>The raw image tokens, kept for the Vulkan fusion.</summary>
        internal float[]? Tokens { get; private set; }

        /// <summary>The L2-normalised image embedding (for text search).</summary>
        public float[] Embedding { get; }

        /// <summary>How much the frame looks like the scenes the model knows (<see cref="InWorldModel.Score"/>), 0..1; null when the bundle has no in-world model.</summary>
        public double? InWorld { get; }

        /// <summary>The frame is unlike the scenes the model knows (in-world score below the bundle's threshold): questions about it are not answered by the scene model.</summary>
        public bool OutOfWorld { get; }

        public double PreprocessMs { get; }

        /// <summary>The vision encoder (ONNX Runtime).</summary>
        public double VisionMs { get; }

        /// <summary>The frame's share of the fusion: the image tokens' keys and values for every layer but the last, which attends over the tokens themselves (CPU path).</summary>
        public double KeysMs { get; }
    }

    /// <summary>Preprocesses and encodes a frame.</summary>
    public FrameEncoding Encode(ImageView frame)
    {
        long t0 = Stopwatch.GetTimestamp();
        try
        {
            if (gpuFusion is not null)
                ThrowIfInjected();
            preprocessor.Run(frame, tensor);
        }
        catch (VulkanException e) when (FellBack is null)
        {
            FallBackToCpu(e);
            preprocessor.Run(frame, tensor);
        }
        long t1 = Stopwatch.GetTimestamp();
        tensor.CopyTo(bundle.Vision.Input, 0);
        bundle.Vision.Run();
        long tv = Stopwatch.GetTimestamp();
        var m = bundle.Manifest;
        FusionReference.ImageKeys? keys = null;
        float[]? tokens = null;
        if (gpuFusion is null)
            keys = fusion.PrepareImage(bundle.Vision.Outputs[0], m.ImageTokens, Take(spareKeys));
        else
        {
            tokens = Take(spareTokens) is { } spare && spare.Length == bundle.Vision.Outputs[0].Length ? spare : new float[bundle.Vision.Outputs[0].Length];
            bundle.Vision.Outputs[0].CopyTo(tokens, 0);
        }
        long t2 = Stopwatch.GetTimestamp();
        var embedding = (float[])bundle.Vision.Outputs[1].Clone();
        var world = bundle.Calibration?.InWorld;
        double? inWorld = world?.Score(InWorldModel.Features(bundle.Vision.Outputs[0], m.ImageTokens, m.ModelDim, embedding));
        return new FrameEncoding(this, frame.Width, frame.Height, keys, tokens, embedding,
            Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds, Stopwatch.GetElapsedTime(t1, tv).TotalMilliseconds, Stopwatch.GetElapsedTime(tv, t2).TotalMilliseconds,
            inWorld, inWorld < world?.FlagBelow);
    }

    /// <summary>A disposed frame's image buffers, kept for the next frames (a few: frames in flight at once).</summary>
    void Recycle(FusionReference.ImageKeys? keys, float[]? tokens)
    {
        lock (spareGate)
        {
            if (keys is not null && spareKeys.Count < MaxSpareFrames)
                spareKeys.Push(keys);
            if (tokens is not null && spareTokens.Count < MaxSpareFrames)
                spareTokens.Push(tokens);
        }
    }

    T? Take<T>(Stack<T> spares) where T : class
    {
        lock (spareGate)
            return spares.TryPop(out var spare) ? spare : null;
    }

    /// <summary>The L2-normalised text embedding of <paramref name="text"/> (for text search); null if it has too many words.</summary>
    public float[]? EmbedText(string text) => TextFor(text)?.Embedding;

    /// <summary>Answers <paramref name="question"/> about a frame (its encoding's buffers go back for the next frame's).</summary>
    public Answer Ask(ImageView frame, string question)
    {
        using var encoding = Encode(frame);
        return Ask(encoding, question);
    }

    /// <summary>Answers <paramref name="question"/> about an encoded frame.</summary>
    public Answer Ask(FrameEncoding frame, string question) => AskMany(frame, [question])[0];

    /// <summary>
    /// Answers several questions about one encoded frame. On Vulkan their fusion runs as one
    /// dispatch (up to the fusion's batch size at a time); on the CPU the frame's keys and values
    /// are shared. The timings split the batch's fusion time evenly.
    /// </summary>
    public Answer[] AskMany(FrameEncoding frame, IReadOnlyList<string> questions)
    {
        ArgumentNullException.ThrowIfNull(frame);
        frame.ThrowIfDisposed();
        var results = new Answer?[questions.Count];
        var pending = new List<(int Index, string Kind, string[] Words, (float[] States, float[] Mask, float[] Embedding, string[] Unknown) Text, double TextMs, string? Interpreted)>();
        var unplaced = new Dictionary<int, string>();
        var frameTimings = new Dictionary<string, double> { ["preprocess"] = Round(frame.PreprocessMs), ["vision"] = Round(frame.VisionMs), ["keys"] = Round(frame.KeysMs) };
        for (int i = 0; i < questions.Count; i++)
        {
            string question = questions[i] ?? throw new ArgumentNullException(nameof(questions), $"question {i} is null");
            string kind = KindOf(question);
            if (kind == "describe")
            {
                results[i] = DescriptionAnswer(question, frame, frameTimings);
                continue;
            }
            if (QuestionTokenizer.Words(question).Length == 0)
            {
                results[i] = CantAnswer(question, kind, new(frameTimings), string.IsNullOrWhiteSpace(question) ? "the question is empty" : "the question has no words the model reads (it reads English words in Latin letters)");
                continue;
            }
            long t0 = Stopwatch.GetTimestamp();
            var interpreted = normaliser.Interpret(question);
            if (interpreted.UnknownWords)
            {
                // asked as typed: the model answers "unanswerable", and the reason names the words nothing could place
                unplaced[i] = interpreted.Refusal!;
                interpreted = interpreted with { Refusal = null };
            }
            if (interpreted.Refusal is { } refusal)
            {
                results[i] = CantAnswer(question, kind, new(frameTimings), refusal);
                continue;
            }
            if (interpreted.Kind != "unknown")
                kind = interpreted.Kind;
            var words = QuestionTokenizer.Words(interpreted.Text);
            var text = TextFor(interpreted.Text);
            if (text is null)
            {
                results[i] = CantAnswer(question, kind, new(frameTimings), $"the question has {words.Length} words; the model reads at most {bundle.Manifest.MaxTokens - 1}");
                continue;
            }
            pending.Add((i, kind, words, text.Value, Stopwatch.GetElapsedTime(t0).TotalMilliseconds, interpreted.Rewritten ? interpreted.Text : null));
        }
        long f0 = Stopwatch.GetTimestamp();
        var fused = FuseMany(frame, pending.Select(p => (p.Text.States, p.Text.Mask, TemperatureOf(p.Kind))).ToList());
        double fusionMs = Stopwatch.GetElapsedTime(f0).TotalMilliseconds / Math.Max(1, pending.Count);
        var notInView = NotInView(frame, pending.Select((p, j) => (p.Kind, p.Words, p.Text.Unknown.Length == 0 ? fused[j].Answer : null)).ToList());
        for (int j = 0; j < pending.Count; j++)
        {
            var (i, kind, words, text, textMs, reworded) = pending[j];
            string question = questions[i];
            var (answer, confidence, attention, probabilities) = fused[j];
            var timings = new Dictionary<string, double>(frameTimings) { ["text"] = Round(textMs), ["fusion"] = Round(fusionMs) };
            string chosen = answer;
            if (text.Unknown.Length > 0)
                results[i] = CantAnswer(question, kind, timings, unplaced.GetValueOrDefault(i) ?? $"unknown word{(text.Unknown.Length > 1 ? "s" : "")} {string.Join(", ", text.Unknown.Select(u => $"'{u}'"))}",
                    attention, confidence, chosen) with { Probabilities = probabilities };
            else if (answer == AnswerVocabulary.Unanswerable)
                results[i] = CantAnswer(question, kind, timings, "the question is about something outside the scene world", attention, confidence, chosen) with { Probabilities = probabilities };
            else if (frame.OutOfWorld)
                results[i] = CantTell(question, kind == "unknown" ? KindOfAnswer(answer) : kind, timings, frame, attention, chosen) with { Probabilities = probabilities };
            else if (notInView.TryGetValue(j, out var absent))
                results[i] = new Answer(question, $"I don't see {absent.What}", absent.Confidence, kind, attention, timings, Device, null, chosen)
                    { Probabilities = probabilities, InWorld = frame.InWorld, Interpreted = reworded, NotInView = true };
            else
            {
                if (answer == AnswerVocabulary.Several)
                    answer = Several(frame, words) ?? answer;
                var (said, notSure) = Phrase(answer, confidence);
                results[i] = new Answer(question, said, confidence, kind == "unknown" ? KindOfAnswer(answer) : kind, attention, timings, Device, null, chosen)
                    { Probabilities = probabilities, NotSure = notSure, InWorld = frame.InWorld, Interpreted = reworded };
            }
        }
        return results.Select(r => r!).ToArray();
    }

    (string Answer, float Confidence, AttentionMap Map, float[] Probabilities) Fuse(FrameEncoding frame, float[] states, float[] mask, string kind) =>
        FuseMany(frame, [(states, mask, TemperatureOf(kind))])[0];

    float TemperatureOf(string kind) => bundle.Calibration?.TemperatureOf(kind) ?? 1f;

    /// <summary>
    /// How an answer is said at a calibrated confidence: as it is, or, below the bundle's not-sure
    /// threshold, "not sure — maybe ANSWER" (the best guess, and a flag).
    /// </summary>
    public (string Text, bool NotSure) Phrase(string answer, float confidence) =>
        bundle.Calibration is { } c && confidence < c.NotSureBelow ? (NotSurePrefix + answer, true) : (answer, false);

    /// <summary>What a not-sure answer's text starts with, before the best guess.</summary>
    public const string NotSurePrefix = "not sure — maybe ";

    /// <summary>The answer about a frame the model does not know: it says so, with the in-world score as the reason, at no confidence.</summary>
    Answer CantTell(string question, string kind, Dictionary<string, double> timings, FrameEncoding frame, AttentionMap? attention, string? chosen) =>
        new(question, CantTellText, 0f, kind, attention, timings, Device,
            $"the picture does not look like the scenes the model knows (in-world score {frame.InWorld:0.000}, below {bundle.Calibration!.InWorld!.FlagBelow:0.000})", chosen)
        { InWorld = frame.InWorld, OutOfWorld = true };

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
        var classes = world.Phrasings.ContainsKey("count") ? world.Classes : [];
        var counts = AskMany(frame, classes.Select(c => world.Phrase("count", world.Plural(c))!).ToList());
        var seen = new List<(string Class, int Count, Answer CountAnswer)>();
        for (int i = 0; i < classes.Count; i++)
            if (counts[i].Answered && int.TryParse(counts[i].Text, out int n) && n > 0)
                seen.Add((classes[i], n, counts[i]));
        var single = seen.Where(s => s.Count == 1).Select(s => s.Class).ToList();
        var details = AskMany(frame, single.SelectMany(c => new[] { world.Phrase("color", c) ?? "", world.Phrase("position", c) ?? "" }).ToList());
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
    Answer DescriptionAnswer(string question, FrameEncoding frame, Dictionary<string, double> frameTimings)
    {
        if (frame.OutOfWorld)
            return CantTell(question, "describe", frameTimings, frame, null, null);
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
        var timings = new Dictionary<string, double>(frameTimings) { ["describe"] = Round(Stopwatch.GetElapsedTime(t0).TotalMilliseconds) };
        float confidence = d.Objects.Count == 0 ? 0.5f : d.Objects.Min(o => o.Confidence);
        return new Answer(question, d.Text, confidence, "describe", combined, timings, Device);
    }

    /// <summary>
    /// The Vulkan fusion against the C# reference on the same inputs (a frame and its questions, one
    /// batch): the largest logit and attention differences (every layer and head) and how many
    /// answers agree. Only with a Vulkan device.
    /// </summary>
    public (double MaxLogitDiff, double MaxAttentionDiff, int SameAnswers, int Questions) CompareFusion(FrameEncoding frame, IReadOnlyList<string> questions)
    {
        frame.ThrowIfDisposed();
        if (gpuFusion is null || frame.Tokens is null)
            throw new InvalidOperationException("comparing the fusion paths needs the Vulkan device (--device Vulkan)");
        var m = bundle.Manifest;
        var texts = questions.Select(TextFor).Where(t => t is not null).Select(t => (t!.Value.States, t.Value.Mask)).ToList();
        int mapSize = m.FusionLayers * m.Heads * m.ImageTokens, answers = m.Answers.Length;
        var keys = fusion.PrepareImage(frame.Tokens, m.ImageTokens);
        double worstLogit = 0, worstAttention = 0;
        int same = 0;
        for (int start = 0; start < texts.Count; start += gpuFusion.MaxQuestions)
        {
            int n = Math.Min(gpuFusion.MaxQuestions, texts.Count - start);
            var logits = new float[n * answers];
            var attention = new float[n * mapSize];
            gpuFusion.Run(frame.Tokens, texts.Skip(start).Take(n).ToList(), logits, attention);
            var refLogits = new float[answers];
            var refAttention = new float[mapSize];
            for (int k = 0; k < n; k++)
            {
                fusion.Run(keys, texts[start + k].States, texts[start + k].Mask, refLogits, refAttention);
                var got = logits.AsSpan(k * answers, answers);
                for (int a = 0; a < answers; a++)
                    worstLogit = Math.Max(worstLogit, Math.Abs(got[a] - refLogits[a]));
                var gotAttention = attention.AsSpan(k * mapSize, mapSize);
                for (int a = 0; a < mapSize; a++)
                    worstAttention = Math.Max(worstAttention, Math.Abs(gotAttention[a] - refAttention[a]));
                if (got.IndexOf(MaxOf(got)) == Array.IndexOf(refLogits, refLogits.Max()))
                    same++;
            }
        }
        return (worstLogit, worstAttention, same, texts.Count);

        static float MaxOf(ReadOnlySpan<float> v)
        {
            float best = float.MinValue;
            foreach (var x in v)
                best = Math.Max(best, x);
            return best;
        }
    }

    /// <summary>Logits and attention maps for several questions about one frame: one Vulkan dispatch per batch, or the C# fusion.</summary>
    List<(string Answer, float Confidence, AttentionMap Map, float[] Probabilities)> FuseMany(FrameEncoding frame, IReadOnlyList<(float[] States, float[] Mask, float Temperature)> questions)
    {
        var m = bundle.Manifest;
        int mapSize = m.FusionLayers * m.Heads * m.ImageTokens;
        var results = new List<(string, float, AttentionMap, float[])>(questions.Count);
        for (int start = 0; start < questions.Count;)
        {
            int n = Math.Min(gpuFusion?.MaxQuestions ?? 1, questions.Count - start);
            var logits = new float[n * m.Answers.Length];
            var attention = new float[n * mapSize];
            if (gpuFusion is not null && frame.Tokens is not null)
            {
                try
                {
                    ThrowIfInjected();
                    gpuFusion.Run(frame.Tokens, questions.Skip(start).Take(n).Select(q => (q.States, q.Mask)).ToList(), logits, attention);
                }
                catch (VulkanException e) when (FellBack is null)
                {
                    FallBackToCpu(e);
                    continue; // this batch again, on the CPU
                }
            }
            else
            {
                // a frame encoded for the Vulkan fusion has no CPU keys yet (the device failed since)
                frame.Keys ??= fusion.PrepareImage(frame.Tokens!, m.ImageTokens, Take(spareKeys));
                fusion.Run(frame.Keys, questions[start].States, questions[start].Mask, logits, attention);
            }
            for (int k = 0; k < n; k++)
                results.Add(Decide(frame, logits.AsSpan(k * m.Answers.Length, m.Answers.Length), attention.AsSpan(k * mapSize, mapSize), questions[start + k].Temperature));
            start += n;
        }
        return results;
    }

    /// <summary>
    /// The answer, its probability, all probabilities (the softmax of the logits over the kind's
    /// calibrated temperature), and the overlay's map (last layer, mean over heads) with its peak in frame pixels.
    /// </summary>
    (string Answer, float Confidence, AttentionMap Map, float[] Probabilities) Decide(FrameEncoding frame, ReadOnlySpan<float> logits, ReadOnlySpan<float> attention, float temperature)
    {
        var m = bundle.Manifest;
        int best = 0;
        for (int i = 1; i < logits.Length; i++)
            if (logits[i] > logits[best])
                best = i;
        float sum = 0;
        foreach (float l in logits)
            sum += MathF.Exp((l - logits[best]) / temperature);
        var probabilities = new float[logits.Length];
        for (int i = 0; i < logits.Length; i++)
            probabilities[i] = MathF.Exp((logits[i] - logits[best]) / temperature) / sum;
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

    /// <summary>
    /// Questions about "the X" (color, position) when no X is in view: for each, the model is asked
    /// "is there an X" (with the question's color, if any) in one more batch, and where it says no
    /// with calibrated confidence 0.5 or more the answer is "I don't see an X" instead of a color or
    /// a place. Returns, by index in <paramref name="asked"/>, what is not in view ("a red box") and
    /// the confidence of that. A frame out of the world, a question the model found unanswerable or
    /// about several Xs, is not checked.
    /// </summary>
    Dictionary<int, (string What, float Confidence)> NotInView(FrameEncoding frame, IReadOnlyList<(string Kind, string[] Words, string? Answer)> asked)
    {
        var premiseOf = new Dictionary<int, (string Question, string What)>();
        if (frame.OutOfWorld)
            return [];
        for (int j = 0; j < asked.Count; j++)
        {
            var (kind, words, answer) = asked[j];
            if (kind is not ("color" or "position") || answer is null or AnswerVocabulary.Unanswerable or AnswerVocabulary.Several)
                continue;
            int at = Array.FindIndex(words, w => world.Classes.Contains(w));
            if (at < 0)
                continue;
            string what = at > 0 && world.Colors.Contains(words[at - 1]) ? $"{words[at - 1]} {words[at]}" : words[at];
            if (world.Phrase("exist", what) is { } premise)
                premiseOf[j] = (premise, $"{World.Article(what)} {what}");
        }
        var premises = premiseOf.Values.Select(p => p.Question).Distinct().ToList();
        var texts = premises.Select(TextFor).ToList();
        var answers = FuseMany(frame, texts.Where(t => t is not null).Select(t => (t!.Value.States, t.Value.Mask, TemperatureOf("exist"))).ToList());
        var no = premises.Where((_, k) => texts[k] is not null).Zip(answers)
            .Where(x => x.Second.Answer == "no" && x.Second.Confidence >= 0.5f).ToDictionary(x => x.First, x => x.Second.Confidence);
        return premiseOf.Where(p => no.ContainsKey(p.Value.Question)).ToDictionary(p => p.Key, p => (p.Value.What, no[p.Value.Question]));
    }

    /// <summary>"the X" matched more than one: say how many, by asking the model to count them.</summary>
    string? Several(FrameEncoding frame, string[] words)
    {
        var noun = words.Select(w => world.Classes.FirstOrDefault(c => c == w || world.Plural(c) == w)).FirstOrDefault(c => c is not null);
        if (noun is null || world.Phrase("count", world.Plural(noun)) is not { } question)
            return null;
        var count = TextFor(question);
        if (count is null)
            return null;
        var (n, _, _, _) = Fuse(frame, count.Value.States, count.Value.Mask, "count");
        return int.TryParse(n, out int k) && k > 1 ? $"there are {k} {world.Plural(noun)}" : $"there is more than one {noun}";
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

    /// <summary>The question's kind from its words (SCENES.md's five, or "describe" for a request to describe the scene), or "unknown".</summary>
    public static string KindOf(string question)
    {
        var w = QuestionTokenizer.Words(question);
        string s = " " + string.Join(' ', w) + " ";
        if (w.FirstOrDefault() == "describe" || s is " what do you see " or " what can you see " || s.StartsWith(" what is in the ") || s.StartsWith(" what's in the "))
            return "describe";
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

    string KindOfAnswer(string answer) => world.KindOfAnswer(answer);

    static double Round(double ms) => Math.Round(ms, 3);

    public void Dispose()
    {
        gpuFusion?.Dispose();
        preprocessor.Dispose();
        if (ownsGpu)
            gpu?.Dispose();
        if (ownsBundle)
            bundle.Dispose();
    }
}
