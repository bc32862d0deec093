using RealtimeMM.Frames;
using System.Runtime.InteropServices;
using RealtimeMM.Gpu;
using RealtimeMM.Gpu.Backend;
using RealtimeMM.Preprocess;
using Silk.NET.Vulkan;
using ImageView = RealtimeMM.Frames.ImageView;

namespace RealtimeMM.Overlay;

/// <summary>
/// The overlay as a Vulkan compute shader (<c>shaders/overlay.comp</c>). Does not take ownership of
/// the <see cref="VulkanDevice"/>: keep it alive until this is disposed.
/// </summary>
public sealed unsafe class VulkanOverlayRenderer : IOverlayRenderer
{
    [StructLayout(LayoutKind.Sequential)]
    struct OverlayPush
    {
        public int Width, Height, Stride, GridWidth;
        public int GridHeight, Colormap, Pad0, Pad1;
        public float ScaleX, ScaleY, Alpha, Pad2;
    }

    readonly VulkanDevice device;
    readonly ComputePipeline pipeline;
    readonly CommandRing ring;
    GpuBuffer? frameBuffer, gridBuffer, outputBuffer;
    DescriptorSet set;
    (int W, int H, int Stride, int Gw, int Gh) config;
    float[] values = [];
    bool disposed;

    public VulkanOverlayRenderer(VulkanDevice device, OverlaySpec spec)
    {
        ArgumentNullException.ThrowIfNull(device);
        spec.Validate();
        this.device = device;
        Spec = spec;
        try
        {
            pipeline = new ComputePipeline(device, "overlay", 3, (uint)sizeof(OverlayPush), 1);
            ring = new CommandRing(device, 1);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public OverlaySpec Spec { get; }
    public string Device => device.ToString();

    /// <summary>Times a frame or grid size change reallocated buffers.</summary>
    public int Reconfigurations { get; private set; }

    public void Render(ImageView frame, ReadOnlySpan<float> grid, int gridWidth, int gridHeight, Span<byte> output)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        frame.Validate();
        if (values.Length < gridWidth * gridHeight)
            values = new float[Math.Max(gridWidth * gridHeight, 1)];
        AttentionGrid.Prepare(grid, gridWidth, gridHeight, Spec.Normalize, values);
        OverlayReference.CheckOutput(frame, output);
        if (config != (frame.Width, frame.Height, frame.Stride, gridWidth, gridHeight))
            Reconfigure(frame.Width, frame.Height, frame.Stride, gridWidth, gridHeight);

        var cmd = ring.Begin(0);
        HostCopy.Copy(frame.Pixels[..(int)frame.Span], frameBuffer!.Mapped);
        values.AsSpan(0, gridWidth * gridHeight).CopyTo(gridBuffer!.AsSpan<float>(gridWidth * gridHeight));
        frameBuffer.Flush();
        gridBuffer.Flush();
        Barriers.ToCompute(device, cmd, includeHost: true);
        var push = new OverlayPush
        {
            Width = frame.Width, Height = frame.Height, Stride = frame.Stride, GridWidth = gridWidth, GridHeight = gridHeight,
            Colormap = Spec.Colormap == Colormap.Viridis ? 1 : 0,
            ScaleX = (float)gridWidth / frame.Width, ScaleY = (float)gridHeight / frame.Height, Alpha = Spec.Alpha,
        };
        long words = ((long)frame.Width * frame.Height * 3 + 3) / 4;
        pipeline.Dispatch(cmd, set, &push, (uint)sizeof(OverlayPush), (uint)((words + 255) / 256));
        Barriers.ToHost(device, cmd);
        ring.Submit(0);
        ring.Wait(0);
        outputBuffer!.Invalidate();
        new ReadOnlySpan<byte>(outputBuffer.Mapped, frame.Width * frame.Height * 3).CopyTo(output);
    }

    void Reconfigure(int w, int h, int stride, int gw, int gh)
    {
        ring.WaitAll();
        if (set.Handle != 0)
            pipeline.FreeSet(set);
        frameBuffer?.Dispose();
        gridBuffer?.Dispose();
        outputBuffer?.Dispose();
        long frameBytes = ((long)stride * (h - 1) + (long)w * 3 + 3) & ~3L;
        long outBytes = ((long)w * h * 3 + 3) & ~3L;
        if (frameBytes > int.MaxValue || outBytes > int.MaxValue)
            throw new ArgumentException($"a {w}x{h} frame is too large for the overlay", "frame");
        frameBuffer = device.CreateBuffer((ulong)frameBytes, VulkanDevice.BufferUse.Upload);
        gridBuffer = device.CreateBuffer((ulong)(gw * gh * 4), VulkanDevice.BufferUse.Upload);
        outputBuffer = device.CreateBuffer((ulong)outBytes, VulkanDevice.BufferUse.Readback);
        set = pipeline.AllocateSet(frameBuffer, gridBuffer, outputBuffer);
        if (config.W != 0)
            Reconfigurations++;
        config = (w, h, stride, gw, gh);
    }

    public void Dispose()
    {
        if (disposed)
            return;
        disposed = true;
        ring?.Dispose();
        frameBuffer?.Dispose();
        gridBuffer?.Dispose();
        outputBuffer?.Dispose();
        pipeline?.Dispose();
    }
}
