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

    const string HostImportExtension = "VK_EXT_external_memory_host";
    delegate* unmanaged<Device, ExternalMemoryHandleTypeFlags, void*, MemoryHostPointerPropertiesEXT*, Result> getHostPointerProperties;

    /// <summary>
    /// Alignment of host memory the device can import (<c>VK_EXT_external_memory_host</c>: the GPU reads the
    /// caller's own pages, no copy); 0 when it cannot.
    /// </summary>
    internal ulong HostImportAlignment { get; private set; }

    void EnableHostImport()
    {
        var host = new PhysicalDeviceExternalMemoryHostPropertiesEXT(pNext: null);
        var props = new PhysicalDeviceProperties2(pNext: &host);
        Api.GetPhysicalDeviceProperties2(physical, &props);
        getHostPointerProperties = (delegate* unmanaged<Device, ExternalMemoryHandleTypeFlags, void*, MemoryHostPointerPropertiesEXT*, Result>)
            (nint)Api.GetDeviceProcAddr(device, "vkGetMemoryHostPointerPropertiesEXT");
        if (getHostPointerProperties != null && host.MinImportedHostPointerAlignment is > 0 and <= 1 << 21)
            HostImportAlignment = host.MinImportedHostPointerAlignment;
    }

    /// <summary>
    /// A storage buffer over the host memory [<paramref name="start"/>, +<paramref name="length"/>), which must be
    /// aligned to <see cref="HostImportAlignment"/>, stay allocated and keep its pages until the buffer is disposed.
    /// Null when the device cannot import it (no extension, or no coherent memory type for that pointer).
    /// </summary>
    internal GpuBuffer? ImportHostMemory(void* start, ulong length)
    {
        ulong align = HostImportAlignment;
        if (align == 0 || (ulong)start % align != 0 || length == 0 || length % align != 0)
            return null;
        const ExternalMemoryHandleTypeFlags HostAllocation = ExternalMemoryHandleTypeFlags.HostAllocationBitExt;
        var pointerProps = new MemoryHostPointerPropertiesEXT(pNext: null);
        if (getHostPointerProperties(device, HostAllocation, start, &pointerProps) != Result.Success)
            return null;
        var external = new ExternalMemoryBufferCreateInfo(handleTypes: HostAllocation);
        var info = new BufferCreateInfo(pNext: &external, size: length, usage: BufferUsageFlags.StorageBufferBit, sharingMode: SharingMode.Exclusive);
        Api.CreateBuffer(device, in info, null, out var buffer).Check();
        DeviceMemory mem = default;
        try
        {
            Api.GetBufferMemoryRequirements(device, buffer, out var req);
            // coherent: the CPU's writes into the frame need no flush (it was never mapped)
            var type = TryFindMemoryType(req.MemoryTypeBits & pointerProps.MemoryTypeBits, [(MemoryPropertyFlags.HostCoherentBit, 0)]);
            var import = new ImportMemoryHostPointerInfoEXT(handleType: HostAllocation, pHostPointer: start);
            var alloc = new MemoryAllocateInfo(pNext: &import, allocationSize: length, memoryTypeIndex: type?.Type ?? 0);
            if (type is null || req.Size > length || Api.AllocateMemory(device, in alloc, null, out mem) != Result.Success)
            {
                Api.DestroyBuffer(device, buffer, null);
                return null;
            }
            Api.BindBufferMemory(device, buffer, mem, 0).Check();
            Interlocked.Increment(ref liveBuffers);
            return new GpuBuffer(this, buffer, mem, start, length, coherent: true, imported: true);
        }
        catch
        {
            if (mem.Handle != 0)
                Api.FreeMemory(device, mem, null);
            Api.DestroyBuffer(device, buffer, null);
            throw;
        }
    }

    internal void DestroyBuffer(VkBuffer buffer, DeviceMemory mem, bool imported = false)
    {
        if (!imported)
            Api.UnmapMemory(device, mem);
        Api.DestroyBuffer(device, buffer, null);
        Api.FreeMemory(device, mem, null);
        Interlocked.Decrement(ref liveBuffers);
    }

    (uint Type, MemoryPropertyFlags Flags) FindMemoryType(uint typeBits, (MemoryPropertyFlags Want, MemoryPropertyFlags Avoid)[] preferences) =>
        TryFindMemoryType(typeBits, preferences)
        ?? throw new PlatformNotSupportedException($"Vulkan device {Info.Name} has no host-visible memory for storage buffers");

    /// <summary>The first memory type allowed by <paramref name="typeBits"/> that meets a preference, in their order; null if none does.</summary>
    (uint Type, MemoryPropertyFlags Flags)? TryFindMemoryType(uint typeBits, (MemoryPropertyFlags Want, MemoryPropertyFlags Avoid)[] preferences)
    {
        foreach (var (want, avoid) in preferences)
            for (int i = 0; i < memory.MemoryTypeCount; i++)
                if ((typeBits & (1u << i)) != 0 && (memory.MemoryTypes[i].PropertyFlags & want) == want && (memory.MemoryTypes[i].PropertyFlags & avoid) == 0)
                    return ((uint)i, memory.MemoryTypes[i].PropertyFlags);
        return null;
    }
}
