using RealtimeMM.Frames;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using RealtimeMM.Gpu;
using RealtimeMM.Gpu.Backend;
using Silk.NET.Vulkan;
using ImageView = RealtimeMM.Frames.ImageView;

namespace RealtimeMM.Preprocess;

/// <summary>
/// Preprocessing as a Vulkan compute shader (<c>shaders/preprocess.comp</c>). Each frame in flight
/// has its own upload buffer, output buffer, descriptor set and command buffer; the bytes of a frame
/// the kernel reads (<see cref="UploadPlan"/>: at 1080p to 224, under half the rows) are copied once
/// into persistently mapped memory (or not copied at all: <see cref="FrameUpload.HostImport"/>), dispatched with one
/// command buffer, and read back after its fence. Does not take ownership of the <see cref="VulkanDevice"/>: keep it
/// alive until this is disposed.
/// </summary>
public sealed unsafe class VulkanPreprocessor : IPreprocessor
{
    [StructLayout(LayoutKind.Sequential)]
    struct PreprocessPush
    {
        public int SrcWidth, SrcHeight, SrcStride, DstWidth;
        public int DstHeight, Area, Letterbox, SrcOffset; // SrcOffset: where the frame starts in its buffer, in bytes
        public float ScaleX, ScaleY, OriginX, OriginY;
        public Vector4 Mean;
        public Vector4 InvStd;
    }

    readonly VulkanDevice device;
    readonly bool ownsDevice;
    readonly ComputePipeline pipeline;
    readonly CommandRing ring;
    readonly GpuBuffer[] outputs;
    readonly GpuBuffer?[] inputs;
    readonly DescriptorSet[] sets;
    readonly int outputBytes;
    readonly long[] pendingStart;
    readonly FrameUpload frameUpload;
    readonly double[] pendingUpload;
    readonly GpuBuffer?[] bound; // what each slot's descriptor set reads the frame from
    readonly Dictionary<byte[], Imported> imports = new(ReferenceEqualityComparer.Instance);
    long importUses;
    bool importRefused;
    int srcWidth, srcHeight, srcStride;
    PreprocessGeometry geometry;
    UploadPlan? upload;
    int next;
    bool disposed;

    /// <param name="upload">Where a frame's bytes go for the kernel (<see cref="FrameUpload"/>).</param>
    public VulkanPreprocessor(VulkanDevice device, PreprocessSpec spec, FrameUpload upload = FrameUpload.HostImport) : this(device, spec, ownsDevice: false, upload)
    {
    }

    /// <param name="ownsDevice">Dispose the device with this preprocessor (the factory opened it).</param>
    internal VulkanPreprocessor(VulkanDevice device, PreprocessSpec spec, bool ownsDevice, FrameUpload upload = FrameUpload.HostImport)
    {
        this.ownsDevice = ownsDevice;
        frameUpload = upload;
        ArgumentNullException.ThrowIfNull(device);
        spec.Validate();
        this.device = device;
        Spec = spec;
        int slots = device.Options.FramesInFlight;
        outputBytes = spec.Element == TensorElement.Float16 ? (spec.OutputLength + 1) / 2 * 4 : spec.OutputLength * 4;
        outputs = new GpuBuffer[slots];
        inputs = new GpuBuffer?[slots];
        sets = new DescriptorSet[slots];
        pendingStart = new long[slots];
        pendingUpload = new double[slots];
        bound = new GpuBuffer?[slots];
        try
        {
            pipeline = new ComputePipeline(device, spec.Element == TensorElement.Float16 ? "preprocess_f16" : "preprocess", 2, (uint)sizeof(PreprocessPush), slots);
            ring = new CommandRing(device, slots);
            for (int i = 0; i < slots; i++)
            {
                outputs[i] = device.CreateBuffer((ulong)outputBytes, VulkanDevice.BufferUse.Readback);
                sets[i] = pipeline.AllocateSet(null, outputs[i]); // binding 0, the frame, is set per frame
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public PreprocessSpec Spec { get; }
    public string Device => device.ToString();

    /// <summary>Where each frame's bytes go for the kernel.</summary>
    public FrameUpload Upload => frameUpload;
    public int Reconfigurations { get; private set; }

    /// <summary>Bytes the last frame copied for the kernel (the rows and columns it reads; 0 when imported).</summary>
    public long UploadBytes { get; private set; }

    /// <summary>Frames so far whose own memory the kernel read (<see cref="FrameUpload.HostImport"/>), not a copy.</summary>
    public long ImportedFrames { get; private set; }

    /// <summary>Frame buffers imported and kept for reuse now (at most <see cref="ImportCacheSize"/>).</summary>
    public int ImportedBuffers => imports.Count;

    /// <summary>Most frame buffers kept imported; the least recently used goes first.</summary>
    public const int ImportCacheSize = 8;

    sealed class Imported(GpuBuffer buffer, int offset)
    {
        public GpuBuffer Buffer { get; } = buffer;
        public int Offset { get; } = offset;
        public long LastUse { get; set; }
    }

    /// <summary>Timings of the last frame: host copy in, GPU kernel (timestamps; NaN if unsupported), copy of the tensor out, whole call.</summary>
    public (double UploadMs, double KernelMs, double ReadbackMs, double TotalMs) LastTimings { get; private set; }

    public void Run(ImageView image, Span<float> output)
    {
        if (Spec.Element != TensorElement.Float32)
            throw new InvalidOperationException($"the spec asks for {Spec.Element} output; pass a Span<Half>");
        CheckOutput(output.Length, "floats");
        Complete(Submit(image), output);
    }

    public void Run(ImageView image, Span<Half> output)
    {
        if (Spec.Element != TensorElement.Float16)
            throw new InvalidOperationException($"the spec asks for {Spec.Element} output; pass a Span<float>");
        CheckOutput(output.Length, "halves");
        Complete(Submit(image), output);
    }

    /// <summary>
    /// Uploads and dispatches a frame without waiting and returns its ticket; <c>Complete</c> reads it back. Up to
    /// FramesInFlight frames can be in flight; submitting one more waits for the oldest.
    /// </summary>
    public int Submit(ImageView image)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        image.Validate();
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        if (image.Width != srcWidth || image.Height != srcHeight || image.Stride != srcStride)
            Reconfigure(image.Width, image.Height, image.Stride);
        int slot = next;
        next = (next + 1) % ring.Count;
        var cmd = ring.Begin(slot); // waits for this slot's previous frame
        GpuBuffer source;
        int srcOffset = 0;
        if (frameUpload == FrameUpload.HostImport && Import(image) is { } imported)
        {
            (source, srcOffset) = (imported.Buffer, imported.Offset);
            UploadBytes = 0;
            ImportedFrames++;
        }
        else
        {
            source = inputs[slot] ??= device.CreateBuffer(InputBytes(srcWidth, srcHeight, srcStride),
                frameUpload == FrameUpload.DeviceMemory ? VulkanDevice.BufferUse.Upload : VulkanDevice.BufferUse.Stream);
            HostCopy.CopyRuns(image.Pixels[..(int)image.Span], source.Mapped, upload!.Runs, upload.Bytes);
            source.Flush();
            UploadBytes = upload.Bytes;
        }
        if (bound[slot] != source)
        {
            pipeline.UpdateSet(sets[slot], 0, source); // the slot's last frame is done (Begin waited), nothing recorded binds it yet
            bound[slot] = source;
        }
        double uploadMs = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds;

        // earlier frames' shader writes and this frame's host write, before this dispatch
        Barriers.ToCompute(device, cmd, includeHost: true);
        var push = new PreprocessPush
        {
            SrcWidth = srcWidth, SrcHeight = srcHeight, SrcStride = srcStride, DstWidth = Spec.Width, DstHeight = Spec.Height, SrcOffset = srcOffset,
            Area = Spec.Filter == ResizeFilter.Area ? 1 : 0, Letterbox = geometry.Letterbox ? 1 : 0,
            ScaleX = geometry.ScaleX, ScaleY = geometry.ScaleY, OriginX = geometry.OriginX, OriginY = geometry.OriginY,
            Mean = new Vector4(Spec.Mean, 0),
            InvStd = new Vector4(1f / Spec.Std.X, 1f / Spec.Std.Y, 1f / Spec.Std.Z, 0),
        };
        uint groups = Spec.Element == TensorElement.Float16 ? (uint)(((Spec.OutputLength + 1) / 2 + 255) / 256) : (uint)(Spec.Width + 15) / 16;
        pipeline.Dispatch(cmd, sets[slot], &push, (uint)sizeof(PreprocessPush), groups, Spec.Element == TensorElement.Float16 ? 1u : (uint)(Spec.Height + 15) / 16);
        Barriers.ToHost(device, cmd);
        ring.Submit(slot);
        pendingStart[slot] = start;
        pendingUpload[slot] = uploadMs;
        return slot;
    }

    /// <summary>Waits for a frame from <see cref="Submit"/> and copies its float32 tensor into <paramref name="output"/>.</summary>
    public void Complete(int ticket, Span<float> output)
    {
        if (Spec.Element != TensorElement.Float32)
            throw new InvalidOperationException($"the spec asks for {Spec.Element} output; pass a Span<Half>");
        CheckOutput(output.Length, "floats");
        CompleteBytes(ticket, MemoryMarshal.AsBytes(output), Spec.OutputLength * 4);
    }

    /// <summary>Waits for a frame from <see cref="Submit"/> and copies its float16 tensor into <paramref name="output"/>.</summary>
    public void Complete(int ticket, Span<Half> output)
    {
        if (Spec.Element != TensorElement.Float16)
            throw new InvalidOperationException($"the spec asks for {Spec.Element} output; pass a Span<float>");
        CheckOutput(output.Length, "halves");
        CompleteBytes(ticket, MemoryMarshal.AsBytes(output), Spec.OutputLength * 2);
    }

    void CheckOutput(int length, string unit)
    {
        if (length < Spec.OutputLength)
            throw new ArgumentException($"output holds {length} {unit}, {Spec.Width}x{Spec.Height}x3 needs {Spec.OutputLength}", "output");
    }

    void CompleteBytes(int slot, Span<byte> output, int bytes)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if ((uint)slot >= (uint)ring.Count)
            throw new ArgumentOutOfRangeException(nameof(slot), slot, "not a ticket from Submit");
        ring.Wait(slot);
        long read = System.Diagnostics.Stopwatch.GetTimestamp();
        outputs[slot].Invalidate();
        new ReadOnlySpan<byte>(outputs[slot].Mapped, bytes).CopyTo(output);
        LastTimings = (pendingUpload[slot], ring.GpuMilliseconds(slot), System.Diagnostics.Stopwatch.GetElapsedTime(read).TotalMilliseconds,
            System.Diagnostics.Stopwatch.GetElapsedTime(pendingStart[slot]).TotalMilliseconds);
    }

    /// <summary>Drops the copy buffers of the old source resolution (waits for frames in flight first); the next frames size new ones.</summary>
    void Reconfigure(int width, int height, int stride)
    {
        ring.WaitAll();
        InputBytes(width, height, stride); // a frame too large says so before anything changes
        for (int i = 0; i < inputs.Length; i++)
        {
            if (bound[i] == inputs[i])
                bound[i] = null;
            inputs[i]?.Dispose();
            inputs[i] = null;
        }
        if (srcWidth != 0)
            Reconfigurations++;
        (srcWidth, srcHeight, srcStride) = (width, height, stride);
        geometry = PreprocessGeometry.For(width, height, Spec);
        upload = UploadPlan.For(width, height, stride, Spec, geometry);
    }

    static ulong InputBytes(int width, int height, int stride)
    {
        long bytes = ((long)stride * (height - 1) + (long)width * 3 + 3) & ~3L;
        if (bytes > int.MaxValue)
            throw new ArgumentException($"a {width}x{height} frame with stride {stride} is too large to upload ({bytes} bytes)", "image");
        return (ulong)bytes;
    }

    /// <summary>
    /// The imported buffer over a Frame's pinned array, importing it the first time (the whole pages it spans:
    /// the array never moves and the pool reuses it); null for other pixels or when the device refuses.
    /// </summary>
    Imported? Import(ImageView image)
    {
        if (image.PinnedArray is not { } array || importRefused || device.HostImportAlignment == 0)
            return null;
        if (imports.TryGetValue(array, out var hit))
        {
            hit.LastUse = ++importUses;
            return hit;
        }
        ulong align = device.HostImportAlignment;
        ulong data = (ulong)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array)); // pinned object heap: fixed for life
        ulong first = data / align * align, end = (data + (ulong)array.Length + align - 1) / align * align;
        int offset = (int)(data - first);
        var buffer = offset % 4 == 0 ? device.ImportHostMemory((void*)first, end - first) : null;
        if (buffer is null)
        {
            importRefused = true; // the driver takes no host pointers of this kind: copy from now on
            return null;
        }
        if (imports.Count >= ImportCacheSize)
        {
            var (oldest, old) = imports.MinBy(kv => kv.Value.LastUse);
            ring.WaitAll(); // a frame in flight may still read it
            for (int i = 0; i < bound.Length; i++)
                if (bound[i] == old.Buffer)
                    bound[i] = null;
            old.Buffer.Dispose();
            imports.Remove(oldest);
        }
        var made = new Imported(buffer, offset) { LastUse = ++importUses };
        imports[array] = made;
        return made;
    }

    public void Dispose()
    {
        if (disposed)
            return;
        disposed = true;
        ring?.Dispose(); // waits for frames in flight before anything they use goes
        foreach (var b in inputs)
            b?.Dispose();
        foreach (var imported in imports.Values)
            imported.Buffer.Dispose();
        imports.Clear();
        foreach (var b in outputs)
            b?.Dispose();
        pipeline?.Dispose();
        if (ownsDevice)
            device.Dispose();
    }
}
