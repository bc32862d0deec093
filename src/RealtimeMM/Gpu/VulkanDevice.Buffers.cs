using RealtimeMM.Gpu.Backend;
using Silk.NET.Vulkan;
using VkBuffer = Silk.NET.Vulkan.Buffer;

namespace RealtimeMM.Gpu;

/// <summary>Storage buffers, persistently mapped, and the count of live ones for leak checks.</summary>
public sealed unsafe partial class VulkanDevice
{
    long liveBuffers;

    /// <summary>Buffers created on this device and not yet disposed (tests use it to find leaks).</summary>
    public long LiveBuffers => Interlocked.Read(ref liveBuffers);

    /// <summary>What a buffer is for, which decides the memory it lives in.</summary>
    internal enum BufferUse
    {
        /// <summary>
        /// The host writes, the GPU reads (and works in it): device-local and mappable if possible (ReBAR, UMA),
        /// else host memory. The host should not read it back: on a discrete GPU that crawls over the bus.
        /// </summary>
        Upload,
        /// <summary>The GPU writes, the host reads: host-cached for fast reads.</summary>
        Readback,
        /// <summary>
        /// The host writes, the GPU reads it once, across the bus: host memory (not device-local, uncached
        /// first, so the GPU's reads need not snoop the CPU's caches), else as <see cref="Upload"/>.
        /// </summary>
        Stream,
    }

    internal GpuBuffer CreateBuffer(ulong size, BufferUse use)
    {
        const MemoryPropertyFlags HostVisible = MemoryPropertyFlags.HostVisibleBit, Coherent = MemoryPropertyFlags.HostCoherentBit,
            DeviceLocal = MemoryPropertyFlags.DeviceLocalBit, Cached = MemoryPropertyFlags.HostCachedBit;
        const MemoryPropertyFlags None = 0;
        (MemoryPropertyFlags Want, MemoryPropertyFlags Avoid)[] upload = [(DeviceLocal | HostVisible | Coherent, None), (HostVisible | Coherent, None)];
        var preferences = use switch
        {
            BufferUse.Upload => upload,
            BufferUse.Stream => [(HostVisible | Coherent, DeviceLocal | Cached), (HostVisible | Coherent, DeviceLocal), .. upload],
            _ => [(HostVisible | Cached | Coherent, None), (HostVisible | Cached, None), (HostVisible | Coherent, None)],
        };
        size = Math.Max(size, 4);
        var info = new BufferCreateInfo(size: size, usage: BufferUsageFlags.StorageBufferBit | BufferUsageFlags.TransferSrcBit | BufferUsageFlags.TransferDstBit, sharingMode: SharingMode.Exclusive);
        Api.CreateBuffer(device, in info, null, out var buffer).Check();
        DeviceMemory mem = default;
        try
        {
            Api.GetBufferMemoryRequirements(device, buffer, out var req);
            var (type, flags) = FindMemoryType(req.MemoryTypeBits, preferences);
            var alloc = new MemoryAllocateInfo(allocationSize: req.Size, memoryTypeIndex: type);
            Api.AllocateMemory(device, in alloc, null, out mem).Check();
            Api.BindBufferMemory(device, buffer, mem, 0).Check();
            void* mapped;
            Api.MapMemory(device, mem, 0, Silk.NET.Vulkan.Vk.WholeSize, 0, &mapped).Check();
            Interlocked.Increment(ref liveBuffers);
            return new GpuBuffer(this, buffer, mem, mapped, size, flags.HasFlag(Coherent));
        }
        catch
        {
            if (mem.Handle != 0)
                Api.FreeMemory(device, mem, null);
            Api.DestroyBuffer(device, buffer, null);
            throw;
        }
    }

    internal void DestroyBuffer(VkBuffer buffer, DeviceMemory mem)
    {
        Api.UnmapMemory(device, mem);
        Api.DestroyBuffer(device, buffer, null);
        Api.FreeMemory(device, mem, null);
        Interlocked.Decrement(ref liveBuffers);
    }

    (uint Type, MemoryPropertyFlags Flags) FindMemoryType(uint typeBits, (MemoryPropertyFlags Want, MemoryPropertyFlags Avoid)[] preferences)
    {
        foreach (var (want, avoid) in preferences)
            for (int i = 0; i < memory.MemoryTypeCount; i++)
                if ((typeBits & (1u << i)) != 0 && (memory.MemoryTypes[i].PropertyFlags & want) == want && (memory.MemoryTypes[i].PropertyFlags & avoid) == 0)
                    return ((uint)i, memory.MemoryTypes[i].PropertyFlags);
        throw new PlatformNotSupportedException($"Vulkan device {Info.Name} has no host-visible memory for storage buffers");
    }
}
