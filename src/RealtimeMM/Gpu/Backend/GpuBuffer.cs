using Silk.NET.Vulkan;
using VkBuffer = Silk.NET.Vulkan.Buffer;

namespace RealtimeMM.Gpu.Backend;

/// <summary>
/// A storage buffer with its memory, mapped for its whole life. Owned by the kernel that created
/// it; the kernel disposes it only after the fences of work using it have signalled.
/// </summary>
internal sealed unsafe class GpuBuffer : IDisposable
{
    readonly VulkanDevice device;
    readonly DeviceMemory memory;
    bool disposed;

    readonly bool imported;

    /// <param name="imported">The memory is the host's own (imported), not mapped by Vulkan.</param>
    public GpuBuffer(VulkanDevice device, VkBuffer handle, DeviceMemory memory, void* mapped, ulong size, bool coherent, bool imported = false)
    {
        this.imported = imported;
        this.device = device;
        Handle = handle;
        this.memory = memory;
        Mapped = mapped;
        Size = size;
        Coherent = coherent;
    }

    public VkBuffer Handle { get; }
    public ulong Size { get; }
    public bool Coherent { get; }

    /// <summary>Host pointer to the buffer. Valid until Dispose.</summary>
    public void* Mapped { get; }

    public Span<T> AsSpan<T>(int count) where T : unmanaged
    {
        if ((ulong)count * (ulong)sizeof(T) > Size)
            throw new ArgumentOutOfRangeException(nameof(count), $"{count} x {sizeof(T)} bytes exceed the buffer's {Size}");
        return new Span<T>(Mapped, count);
    }

    /// <summary>Makes GPU writes visible to the host on memory that is not coherent.</summary>
    public void Invalidate()
    {
        if (Coherent)
            return;
        var range = new MappedMemoryRange(memory: memory, offset: 0, size: Silk.NET.Vulkan.Vk.WholeSize);
        device.Api.InvalidateMappedMemoryRanges(device.Handle, 1, in range).Check();
    }

    /// <summary>Makes host writes visible to the GPU on memory that is not coherent.</summary>
    public void Flush()
    {
        if (Coherent)
            return;
        var range = new MappedMemoryRange(memory: memory, offset: 0, size: Silk.NET.Vulkan.Vk.WholeSize);
        device.Api.FlushMappedMemoryRanges(device.Handle, 1, in range).Check();
    }

    public void Dispose()
    {
        if (disposed)
            return;
        disposed = true;
        device.DestroyBuffer(Handle, memory, imported);
    }
}
