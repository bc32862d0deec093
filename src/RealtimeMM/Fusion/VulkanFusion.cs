using System.Runtime.InteropServices;
using RealtimeMM.Gpu;
using RealtimeMM.Gpu.Backend;
using Silk.NET.Vulkan;
using RealtimeMM.Bundle;
using RealtimeMM.Answering;

namespace RealtimeMM.Fusion;

/// <summary>
/// The fusion on Vulkan: the same layers as <see cref="FusionReference"/> for several questions about
/// one frame at once, in one command buffer of a few wide dispatches of <c>shaders/fusion_rows.comp</c>:
/// the questions' first self-attention projections and, in the same dispatch, the frame's image keys and
/// values for every layer; then per layer one dispatch with a workgroup per question token (every step of
/// a layer but the self-attention is row-local), the last one on [CLS] alone with the answer head; then a
/// copy of logits and maps to host memory. All weights live in one buffer uploaded at construction;
/// activations in one work buffer sized for <c>maxQuestions</c>. Does not take ownership of the
/// <see cref="VulkanDevice"/>: keep it alive until this is disposed.
/// </summary>
public sealed unsafe class VulkanFusion : IDisposable
{
    [StructLayout(LayoutKind.Sequential)]
    struct Push
    {
        public int Phase, Heads, Answers, Layers, MaxTokens, ImageTokens, Head1Out, KvWidth;
        public int Image, FrameKv, Mask, X, Qkv, Logits, Attn, Pad0;
    }

    /// <summary>Image tokens one workgroup projects to the frame's keys and values.</summary>
    const int FrameRows = 8;

    readonly VulkanDevice device;
    readonly int imageTokens, maxTokens, maxQuestions, d, heads, answers, layers;
    readonly ComputePipeline fusion;
    readonly CommandRing ring;
    readonly GpuBuffer weightBuffer, layoutBuffer, work, results;
    readonly DescriptorSet set;
    readonly Push push;
    bool disposed;

    public VulkanFusion(VulkanDevice device, FusionWeights weights, int imageTokens, int maxTokens, int maxQuestions = 8)
        : this(device, weights, imageTokens, maxTokens, maxQuestions, threads: null, sharedBytes: null)
    {
    }

    /// <param name="threads">Workgroup size (tests use small ones to reach the loops that wrap); default: 128 on a CPU device, else the device's, up to 1024.</param>
    /// <param name="sharedBytes">Caps the shared memory a workgroup may use (tests use it to reach the refusal).</param>
    internal VulkanFusion(VulkanDevice device, FusionWeights weights, int imageTokens, int maxTokens, int maxQuestions, int? threads, int? sharedBytes)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(weights);
        if (imageTokens < 1)
            throw new ArgumentOutOfRangeException(nameof(imageTokens), imageTokens, "at least one image token");
        if (maxTokens < 1 || maxQuestions < 1)
            throw new ArgumentOutOfRangeException(nameof(maxTokens), $"max tokens {maxTokens} and questions {maxQuestions} must be positive");
        this.device = device;
        this.imageTokens = imageTokens;
        this.maxTokens = maxTokens;
        this.maxQuestions = maxQuestions;
        d = weights.Dim;
        heads = weights.Heads;
        answers = weights.Answers;
        layers = weights.Layers.Length;
        if (d % heads != 0 || d / heads % 4 != 0)
            throw new NotSupportedException($"the Vulkan fusion reads keys four floats at a time: model dim {d} over {heads} heads must give a head width that is a multiple of 4 (use the CPU fusion)");

        // pack every weight transposed, (in, out) row-major, in the order of fusion_rows.comp's L_ constants;
        // the layout table lists where each one starts
        var packed = new List<float>();
        var layout = new List<int>();
        int Put(float[] data)
        {
            int at = packed.Count;
            packed.AddRange(data);
            return at;
        }
        void Norm(FusionWeights.Norm n) => layout.AddRange([Put(n.W), Put(n.B)]);
        void Transposed(params FusionWeights.Linear[] side) // linears of one input, their outputs side by side
        {
            int outs = side.Sum(l => l.Out), input = side[0].In;
            var t = new float[input * outs];
            int o0 = 0;
            foreach (var l in side)
            {
                for (int o = 0; o < l.Out; o++)
                    for (int i = 0; i < l.In; i++)
                        t[i * outs + o0 + o] = l.W[o * l.In + i];
                o0 += l.Out;
            }
            layout.AddRange([Put(t), Put(side.SelectMany(l => l.B).ToArray())]);
        }
        foreach (var l in weights.Layers)
        {
            Norm(l.LnSelf);
            Transposed(l.Sq, l.Sk, l.Sv);
            Transposed(l.So);
            Norm(l.LnCross);
            Transposed(l.Cq);
            Transposed(l.Co);
            Norm(l.LnMlp);
            Transposed(l.Fc1);
            Transposed(l.Fc2);
        }
        Norm(weights.Final);
        Transposed(weights.Head1);
        Transposed(weights.Head2);
        Transposed(weights.Layers.SelectMany(l => new[] { l.Ck, l.Cv }).ToArray());

        // lay out the work buffer (regions start on four floats: keys and values are read as vec4s)
        int size = 0;
        int Region(int floats)
        {
            int at = size;
            size += (floats + 3) / 4 * 4;
            return at;
        }
        int kvWidth = 2 * layers * d, rows = maxQuestions * maxTokens;
        push = new Push
        {
            Heads = heads, Answers = answers, Layers = layers, MaxTokens = maxTokens, ImageTokens = imageTokens,
            Head1Out = weights.Head1.Out, KvWidth = kvWidth,
            Image = Region(imageTokens * d), FrameKv = Region(imageTokens * kvWidth), Mask = Region(rows), X = Region(rows * d),
            Qkv = Region(layers * rows * 3 * d), Logits = Region(maxQuestions * answers), Attn = Region(maxQuestions * layers * heads * imageTokens),
        };

        try
        {
            // a GPU: as many threads as the device gives one workgroup, up to 1024 (a row's steps are short, so
            // its threads are the parallelism there is); a CPU device runs wide workgroups no faster
            Threads = threads ?? (device.Info.IsCpu ? 128 : Math.Min(1024, device.MaxWorkgroupThreads) / 32 * 32);
            int rowFloats = Math.Max(weights.FeedForward, weights.Head1.Out);
            int probabilities = Math.Max(heads * Math.Max(imageTokens, maxTokens), FrameRows * d);
            int SharedFloats(int n) => 3 * d + rowFloats + probabilities + 4 * n;
            int available = (sharedBytes ?? device.MaxSharedMemoryBytes) / 4 - 16;
            while (SharedFloats(Threads) > available && Threads > 32)
                Threads = Math.Max(32, Threads / 2 / 32 * 32);
            if (SharedFloats(Threads) > available)
                throw new NotSupportedException($"the Vulkan fusion keeps a row's activations and {imageTokens} image tokens' attention weights per head in shared memory ({SharedFloats(Threads) * 4} bytes with {Threads} threads) and this device has {available * 4} (use the CPU fusion)");
            if (Threads < Math.Max(32, Math.Max(d / 4, heads)))
                throw new NotSupportedException($"the Vulkan fusion needs at least {Math.Max(32, Math.Max(d / 4, heads))} threads a workgroup, {Threads} given (use the CPU fusion)");
            // unrolled loads are what a GPU needs to hide its memory latency; on a CPU device (lavapipe) they buy
            // nothing and cost its compiler most of a minute, so there the loops stay loops
            int batch = device.Info.IsCpu ? 1 : 8;
            fusion = new ComputePipeline(device, "fusion_rows", 4, (uint)sizeof(Push), 1, [Threads, batch, FrameRows, probabilities, d, rowFloats]);
            ring = new CommandRing(device, 1);
            weightBuffer = device.CreateBuffer((ulong)packed.Count * 4, VulkanDevice.BufferUse.Upload);
            CollectionsMarshal.AsSpan(packed).CopyTo(weightBuffer.AsSpan<float>(packed.Count));
            weightBuffer.Flush();
            layoutBuffer = device.CreateBuffer((ulong)layout.Count * 4, VulkanDevice.BufferUse.Upload);
            CollectionsMarshal.AsSpan(layout).CopyTo(layoutBuffer.AsSpan<int>(layout.Count));
            layoutBuffer.Flush();
            // the activations live in device memory where there is mappable device memory; what the host
            // reads (logits and attention maps) is copied to host memory at the end of the run
            work = device.CreateBuffer((ulong)size * 4, VulkanDevice.BufferUse.Upload);
            results = device.CreateBuffer((ulong)(maxQuestions * answers + maxQuestions * layers * heads * imageTokens) * 4, VulkanDevice.BufferUse.Readback);
            set = fusion.AllocateSet(weightBuffer, work, layoutBuffer, work); // binding 3: the keys and values, read-only
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public int MaxQuestions => maxQuestions;

    /// <summary>Threads of a workgroup, which runs one question token (on a GPU the device's limit, up to 1024).</summary>
    public int Threads { get; }

    /// <summary>GPU time of the last <see cref="Run"/> in milliseconds (NaN without timestamps).</summary>
    public double LastKernelMs { get; private set; }

    /// <summary>
    /// The part of <see cref="LastKernelMs"/> before the first barrier: the frame's cross-attention keys and
    /// values for every layer (shared by the run's questions), beside the questions' first self-attention
    /// projections (a small part of it).
    /// </summary>
    public double LastImageKeysMs { get; private set; }

    /// <summary>
    /// Answers several questions about one frame in one submission. <paramref name="image"/>: the
    /// image tokens (imageTokens x Dim); each question: text states (maxTokens x Dim) and mask (1 real
    /// token, 0 padding). Writes per question <c>Answers</c> logits and layers x heads x imageTokens
    /// [CLS] attention weights, question after question.
    /// </summary>
    public void Run(ReadOnlySpan<float> image, IReadOnlyList<(float[] States, float[] Mask)> questions, Span<float> logitsOut, Span<float> attentionOut)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        int n = questions.Count;
        if (n < 1 || n > maxQuestions)
            throw new ArgumentOutOfRangeException(nameof(questions), n, $"1..{maxQuestions} questions per run");
        if (image.Length < imageTokens * d)
            throw new ArgumentException($"image tokens hold {image.Length} floats, {imageTokens} x {d} needs {imageTokens * d}", nameof(image));
        int mapSize = layers * heads * imageTokens;
        if (logitsOut.Length < n * answers || attentionOut.Length < n * mapSize)
            throw new ArgumentException($"outputs need {n * answers} logits and {n * mapSize} attention values");

        var cmd = ring.Begin(0);
        var buf = work.AsSpan<float>((int)(work.Size / 4));
        image[..(imageTokens * d)].CopyTo(buf.Slice(push.Image, imageTokens * d));
        for (int i = 0; i < n; i++)
        {
            var (states, m) = questions[i];
            if (states.Length < maxTokens * d || m.Length < maxTokens)
                throw new ArgumentException($"question {i}: states need {maxTokens} x {d} floats and the mask {maxTokens}");
            states.AsSpan(0, maxTokens * d).CopyTo(buf.Slice(push.X + i * maxTokens * d, maxTokens * d));
            m.AsSpan(0, maxTokens).CopyTo(buf.Slice(push.Mask + i * maxTokens, maxTokens));
        }
        work.Flush();
        Barriers.ToCompute(device, cmd, includeHost: true);

        // the questions' first projections and, in the workgroups after them, the frame's keys and values;
        // then a layer per dispatch, the last on [CLS] alone
        Dispatch(cmd, 0, (uint)(maxTokens + (imageTokens + FrameRows - 1) / FrameRows), (uint)n);
        Barriers.ToCompute(device, cmd);
        ring.Mark(0);
        for (int phase = 1; phase <= layers; phase++)
        {
            Dispatch(cmd, phase, phase < layers ? (uint)maxTokens : 1, (uint)n);
            if (phase < layers)
                Barriers.ToCompute(device, cmd);
        }
        int logitFloats = n * answers, logitSlots = maxQuestions * answers;
        Barriers.CopyToHost(device, cmd, work, results, [
            new BufferCopy(srcOffset: (ulong)push.Logits * 4, dstOffset: 0, size: (ulong)logitFloats * 4),
            new BufferCopy(srcOffset: (ulong)push.Attn * 4, dstOffset: (ulong)logitSlots * 4, size: (ulong)(n * mapSize) * 4)]);
        ring.Submit(0);
        ring.Wait(0);
        (LastImageKeysMs, LastKernelMs) = ring.GpuSplitMilliseconds(0);
        results.Invalidate();
        var read = results.AsSpan<float>(logitSlots + n * mapSize);
        read[..logitFloats].CopyTo(logitsOut);
        // stored per question as layers x heads x tokens already
        read.Slice(logitSlots, n * mapSize).CopyTo(attentionOut);
    }

    void Dispatch(CommandBuffer cmd, int phase, uint groupsX, uint groupsY)
    {
        var p = push with { Phase = phase };
        fusion.Dispatch(cmd, set, &p, (uint)sizeof(Push), groupsX, groupsY);
    }

    public void Dispose()
    {
        if (disposed)
            return;
        disposed = true;
        ring?.Dispose();
        work?.Dispose();
        results?.Dispose();
        weightBuffer?.Dispose();
        layoutBuffer?.Dispose();
        fusion?.Dispose();
    }
}
