using System.Runtime.InteropServices;
using RealtimeMM.Gpu;
using RealtimeMM.Gpu.Backend;
using Silk.NET.Vulkan;

namespace RealtimeMM.Models;

/// <summary>
/// The fusion on Vulkan: the same layers as <see cref="FusionReference"/> for several questions about
/// one frame at once, in one command buffer: the frame's image keys and values for every layer
/// (<c>shaders/fusion_linear.comp</c>, four dispatches side by side), then the whole stack with one
/// workgroup per question (<c>shaders/fusion_block.comp</c>), then a copy of logits and maps to host
/// memory. All weights live in one buffer uploaded at construction; activations in one work buffer
/// sized for <c>maxQuestions</c>. Does not take ownership of the <see cref="VulkanDevice"/>:
/// keep it alive until this is disposed.
/// </summary>
public sealed unsafe class VulkanFusion : IDisposable
{
    [StructLayout(LayoutKind.Sequential)]
    struct LinearPush { public int Rows, In, Out, Flags, X, Y, Weight, Bias, XStride, YStride, Pad0, Pad1; }

    [StructLayout(LayoutKind.Sequential)]
    struct BlockPush
    {
        public int Dim, Heads, Ff, Answers, Layers, MaxTokens, ImageTokens, Head1Out;
        public int Keys, Values, KvStride, Mask, X, A, Q, K;
        public int Val, Ctx, Hidden, Scores, Cls, H1, Logits, Attn;
    }

    sealed record LinearAt(int W, int B, int In, int Out);

    readonly VulkanDevice device;
    readonly FusionWeights weights;
    readonly int imageTokens, maxTokens, maxQuestions, d, heads, ff, answers, layers;
    readonly ComputePipeline linear, block;
    readonly CommandRing ring;
    readonly GpuBuffer weightBuffer, layoutBuffer, work, results;
    readonly DescriptorSet linearSet, blockSet;
    readonly (LinearAt K, LinearAt V)[] imageAt;
    readonly BlockPush blockPush;
    // work buffer regions (float offsets)
    readonly int image, kv, mask, logits, attn;
    bool disposed;

    public VulkanFusion(VulkanDevice device, FusionWeights weights, int imageTokens, int maxTokens, int maxQuestions = 8)
        : this(device, weights, imageTokens, maxTokens, maxQuestions, stagingFloats: null)
    {
    }

    /// <param name="stagingFloats">Caps the shared memory that stages rows (tests use it to reach the unstaged path).</param>
    internal VulkanFusion(VulkanDevice device, FusionWeights weights, int imageTokens, int maxTokens, int maxQuestions, int? stagingFloats)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(weights);
        if (imageTokens < 1)
            throw new ArgumentOutOfRangeException(nameof(imageTokens), imageTokens, "at least one image token");
        if (maxTokens < 1 || maxQuestions < 1)
            throw new ArgumentOutOfRangeException(nameof(maxTokens), $"max tokens {maxTokens} and questions {maxQuestions} must be positive");
        this.device = device;
        this.weights = weights;
        this.imageTokens = imageTokens;
        this.maxTokens = maxTokens;
        this.maxQuestions = maxQuestions;
        d = weights.Dim;
        heads = weights.Heads;
        ff = weights.FeedForward;
        answers = weights.Answers;
        layers = weights.Layers.Length;
        if (d % heads != 0 || d / heads % 4 != 0)
            throw new NotSupportedException($"the Vulkan fusion reads keys four floats at a time: model dim {d} over {heads} heads must give a head width that is a multiple of 4 (use the CPU fusion)");

        // pack every weight into one buffer: the image keys' and values' linears as they are (fusion_linear),
        // the rest transposed for fusion_block, whose layout table lists where each one starts
        var packed = new List<float>();
        var layout = new List<int>();
        int Put(float[] data)
        {
            int at = packed.Count;
            packed.AddRange(data);
            return at;
        }
        void Norm(FusionWeights.Norm n) => layout.AddRange([Put(n.W), Put(n.B)]);
        void Transposed(FusionWeights.Linear l)
        {
            var t = new float[l.W.Length];
            for (int o = 0; o < l.Out; o++)
                for (int i = 0; i < l.In; i++)
                    t[i * l.Out + o] = l.W[o * l.In + i];
            layout.AddRange([Put(t), Put(l.B)]);
        }
        LinearAt Lin(FusionWeights.Linear l) => new(Put(l.W), Put(l.B), l.In, l.Out);
        imageAt = weights.Layers.Select(l => (Lin(l.Ck), Lin(l.Cv))).ToArray();
        foreach (var l in weights.Layers)
        {
            // the order of fusion_block.comp's L_ constants
            Norm(l.LnSelf);
            Transposed(l.Sq);
            Transposed(l.Sk);
            Transposed(l.Sv);
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

        // lay out the work buffer
        int size = 0;
        int Region(int floats)
        {
            int at = size;
            size += floats;
            return at;
        }
        int rows = maxQuestions * maxTokens;
        image = Region(imageTokens * d);
        kv = Region(layers * 2 * imageTokens * d); // per layer: keys, then values
        mask = Region(rows);
        logits = Region(maxQuestions * answers);
        attn = Region(maxQuestions * layers * heads * imageTokens);
        blockPush = new BlockPush
        {
            Dim = d, Heads = heads, Ff = ff, Answers = answers, Layers = layers, MaxTokens = maxTokens, ImageTokens = imageTokens,
            Head1Out = weights.Head1.Out, Keys = kv, Values = kv + imageTokens * d, KvStride = 2 * imageTokens * d, Mask = mask,
            X = Region(rows * d), A = Region(rows * d), Q = Region(rows * d), K = Region(rows * d), Val = Region(rows * d), Ctx = Region(rows * d),
            Hidden = Region(rows * ff), Scores = Region(rows * heads * Math.Max(maxTokens, imageTokens)),
            Cls = Region(maxQuestions * d), H1 = Region(maxQuestions * weights.Head1.Out), Logits = logits, Attn = attn,
        };

        try
        {
            linear = new ComputePipeline(device, "fusion_linear", 2, (uint)sizeof(LinearPush), 1);
            // as many threads as the device gives one workgroup, up to 1024 (a lone question is one workgroup);
            // shared memory: up to eight rows of a linear's input or an attention's query rows (the shader's
            // ROWS_AT_ONCE), then the reductions' slots, eight rows of partial sums where they fit
            const int rowsAtOnce = 8;
            Threads = Math.Min(1024, device.MaxWorkgroupThreads) / 32 * 32;
            int sharedFloats = (device.MaxSharedMemoryBytes - 64) / 4;
            int queryFloats = Math.Min(Math.Min(rowsAtOnce * Math.Max(d, ff), sharedFloats - Threads), stagingFloats ?? int.MaxValue);
            if (queryFloats < Math.Max(d, ff))
                throw new NotSupportedException($"the Vulkan fusion stages one row of {Math.Max(d, ff)} floats in shared memory, and this device leaves {queryFloats} (use the CPU fusion)");
            int redFloats = Math.Min(rowsAtOnce, (sharedFloats - queryFloats) / Threads) * Threads;
            // unrolled loads and rows held in registers are what a GPU needs to hide its memory latency; on a CPU
            // device (lavapipe) they buy nothing and cost its compiler most of a minute, so there the loops stay loops
            bool loops = device.Info.IsCpu;
            int unroll = loops ? 1 : 8, registerRows = loops ? 1 : rowsAtOnce;
            // registers: a norm's row values per lane, a softmax row's scores per lane; the head width for vec4 reads
            int dimPerLane = (d + 31) / 32, keysPerLane = (Math.Max(imageTokens, maxTokens) + 31) / 32;
            block = new ComputePipeline(device, "fusion_block", 4, (uint)sizeof(BlockPush), 1,
                [Threads, Math.Max(1, queryFloats), dimPerLane, keysPerLane, d / heads, redFloats, unroll, registerRows]);
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
            linearSet = linear.AllocateSet(weightBuffer, work);
            blockSet = block.AllocateSet(weightBuffer, work, layoutBuffer, work); // binding 3: the frame's keys and values, read-only
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public int MaxQuestions => maxQuestions;

    /// <summary>Threads of the workgroup that runs one question (the device's limit, up to 1024).</summary>
    public int Threads { get; }

    /// <summary>GPU time of the last <see cref="Run"/> in milliseconds (NaN without timestamps).</summary>
    public double LastKernelMs { get; private set; }

    /// <summary>
    /// The part of <see cref="LastKernelMs"/> before the question block starts: the frame's cross-attention
    /// keys and values for every layer (shared by the run's questions) and the barrier after them.
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
        image[..(imageTokens * d)].CopyTo(buf.Slice(this.image, imageTokens * d));
        for (int i = 0; i < n; i++)
        {
            var (states, m) = questions[i];
            if (states.Length < maxTokens * d || m.Length < maxTokens)
                throw new ArgumentException($"question {i}: states need {maxTokens} x {d} floats and the mask {maxTokens}");
            states.AsSpan(0, maxTokens * d).CopyTo(buf.Slice(blockPush.X + i * maxTokens * d, maxTokens * d));
            m.AsSpan(0, maxTokens).CopyTo(buf.Slice(mask + i * maxTokens, maxTokens));
        }
        work.Flush();
        Barriers.ToCompute(device, cmd, includeHost: true);

        for (int l = 0; l < layers; l++)
        {
            Linear(cmd, imageAt[l].K, imageTokens, this.image, blockPush.Keys + l * blockPush.KvStride);
            Linear(cmd, imageAt[l].V, imageTokens, this.image, blockPush.Values + l * blockPush.KvStride);
        }
        Barrier(cmd);
        ring.Mark(0);
        var push = blockPush;
        block.Dispatch(cmd, blockSet, &push, (uint)sizeof(BlockPush), (uint)n);
        int logitFloats = n * answers, logitSlots = maxQuestions * answers;
        Barriers.CopyToHost(device, cmd, work, results, [
            new BufferCopy(srcOffset: (ulong)logits * 4, dstOffset: 0, size: (ulong)logitFloats * 4),
            new BufferCopy(srcOffset: (ulong)attn * 4, dstOffset: (ulong)logitSlots * 4, size: (ulong)(n * mapSize) * 4)]);
        ring.Submit(0);
        ring.Wait(0);
        (LastImageKeysMs, LastKernelMs) = ring.GpuSplitMilliseconds(0);
        results.Invalidate();
        var read = results.AsSpan<float>(logitSlots + n * mapSize);
        read[..logitFloats].CopyTo(logitsOut);
        // stored per question as layers x heads x tokens already
        read.Slice(logitSlots, n * mapSize).CopyTo(attentionOut);
    }

    void Barrier(CommandBuffer cmd) => Barriers.ToCompute(device, cmd);

    void Linear(CommandBuffer cmd, LinearAt l, int rows, int from, int to, bool relu = false, bool accumulate = false)
    {
        var p = new LinearPush
        {
            Rows = rows, In = l.In, Out = l.Out, Flags = (relu ? 1 : 0) | (accumulate ? 2 : 0),
            X = from, Y = to, Weight = l.W, Bias = l.B, XStride = l.In, YStride = l.Out,
        };
        linear.Dispatch(cmd, linearSet, &p, (uint)sizeof(LinearPush), (uint)((rows * l.Out + 7) / 8)); // 8 outputs per workgroup
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
        linear?.Dispose();
        block?.Dispose();
    }
}
