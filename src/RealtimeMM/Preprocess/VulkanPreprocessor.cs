using RealtimeMM.Frames;
using System.Numerics;
using System.Runtime.InteropServices;
using RealtimeMM.Gpu;
using RealtimeMM.Gpu.Backend;
using Silk.NET.Vulkan;
using ImageView = RealtimeMM.Frames.ImageView;

namespace RealtimeMM.Preprocess;

/// <summary>Where <see cref="VulkanPreprocessor"/> puts the bytes of a frame its kernel reads.</summary>
public enum FrameUpload
{
    /// <summary>
    /// Device memory the host can map (ReBAR): the CPU's copy crosses the bus, the kernel reads local
    /// memory. The default.
    /// </summary>
    DeviceMemory,

    /// <summary>
    /// Host memory: the CPU's copy stays in RAM, and the kernel reads the frame across the bus as it
    /// samples it. On a machine without a discrete GPU both are the same memory.
    /// </summary>
    HostMemory,
}

/// <summary>
/// Preprocessing as a Vulkan compute shader (<c>shaders/preprocess.comp</c>). Each frame in flight
/// has its own upload buffer, output buffer, descriptor set and command buffer; the bytes of a frame
/// the kernel reads (<see cref="UploadPlan"/>: at 1080p to 224, under half the rows) are copied once
/// into persistently mapped memory, dispatched with one command buffer, and read back after its fence. Does not take ownership of the <see cref="VulkanDevice"/>: keep it alive until this
/// is disposed.
/// </summary>
public sealed unsafe class VulkanPreprocessor : IPreprocessor
{
    [StructLayout(LayoutKind.Sequential)]
    struct PreprocessPush
    {
        public int SrcWidth, SrcHeight, SrcStride, DstWidth;
        public int DstHeight, Area, Letterbox, Pad0; // Pad0: keeps the floats 16-byte aligned as in std430
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
    int srcWidth, srcHeight, srcStride;
    PreprocessGeometry geometry;
    UploadPlan? upload;
    int next;
    bool disposed;

    /// <param name="upload">Where a frame's bytes go for the kernel (<see cref="FrameUpload"/>).</param>
    public VulkanPreprocessor(VulkanDevice device, PreprocessSpec spec, FrameUpload upload = FrameUpload.DeviceMemory) : this(device, spec, ownsDevice: false, upload)
    {
    }

    /// <param name="ownsDevice">Dispose the device with this preprocessor (the factory opened it).</param>
    internal VulkanPreprocessor(VulkanDevice device, PreprocessSpec spec, bool ownsDevice, FrameUpload upload = FrameUpload.DeviceMemory)
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
        try
        {
            pipeline = new ComputePipeline(device, spec.Element == TensorElement.Float16 ? "preprocess_f16" : "preprocess", 2, (uint)sizeof(PreprocessPush), slots);
            ring = new CommandRing(device, slots);
            for (int i = 0; i < slots; i++)
                outputs[i] = device.CreateBuffer((ulong)outputBytes, VulkanDevice.BufferUse.Readback);
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

    /// <summary>Bytes of the current source size each frame uploads (the rows and columns the kernel reads).</summary>
    public long UploadBytes => upload?.Bytes ?? 0;

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
        var input = inputs[slot]!;
        HostCopy.CopyRuns(image.Pixels[..(int)image.Span], input.Mapped, upload!.Runs, upload.Bytes);
        input.Flush();
        double uploadMs = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds;

        // earlier frames' shader writes and this frame's host write, before this dispatch
        Barriers.ToCompute(device, cmd, includeHost: true);
        var push = new PreprocessPush
        {
            SrcWidth = srcWidth, SrcHeight = srcHeight, SrcStride = srcStride, DstWidth = Spec.Width, DstHeight = Spec.Height,
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

    /// <summary>Sizes the upload buffers for a new source resolution (waits for frames in flight first).</summary>
    void Reconfigure(int width, int height, int stride)
    {
        ring.WaitAll();
        long bytes = ((long)stride * (height - 1) + (long)width * 3 + 3) & ~3L;
        if (bytes > int.MaxValue)
            throw new ArgumentException($"a {width}x{height} frame with stride {stride} is too large to upload ({bytes} bytes)", "image");
        for (int i = 0; i < inputs.Length; i++)
        {
            if (sets[i].Handle != 0)
                pipeline.FreeSet(sets[i]);
            inputs[i]?.Dispose();
            inputs[i] = null;
        }
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i] = device.CreateBuffer((ulong)bytes, frameUpload == FrameUpload.HostMemory ? VulkanDevice.BufferUse.Stream : VulkanDevice.BufferUse.Upload);
            sets[i] = pipeline.AllocateSet(inputs[i]!, outputs[i]);
        }
        if (srcWidth != 0)
            Reconfigurations++;
        (srcWidth, srcHeight, srcStride) = (width, height, stride);
        geometry = PreprocessGeometry.For(width, height, Spec);
        upload = UploadPlan.For(width, height, stride, Spec, geometry);
    }

    public void Dispose()
    {
        if (disposed)
            return;
        disposed = true;
        ring?.Dispose(); // waits for frames in flight before anything they use goes
        foreach (var b in inputs)
            b?.Dispose();
        foreach (var b in outputs)
            b?.Dispose();
        pipeline?.Dispose();
        if (ownsDevice)
            device.Dispose();
    }
}
