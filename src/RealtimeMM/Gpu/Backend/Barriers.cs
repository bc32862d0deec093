using Silk.NET.Vulkan;

namespace RealtimeMM.Gpu.Backend;

/// <summary>The memory barriers every kernel records, in one place.</summary>
internal static unsafe class Barriers
{
    /// <summary>Earlier dispatches' writes (and, with <paramref name="includeHost"/>, this frame's host writes) before the next dispatch reads or writes.</summary>
    public static void ToCompute(VulkanDevice device, CommandBuffer cmd, bool includeHost = false)
    {
        var src = includeHost ? AccessFlags.HostWriteBit | AccessFlags.ShaderWriteBit : AccessFlags.ShaderWriteBit;
        var stages = includeHost ? PipelineStageFlags.HostBit | PipelineStageFlags.ComputeShaderBit : PipelineStageFlags.ComputeShaderBit;
        var b = new MemoryBarrier(srcAccessMask: src, dstAccessMask: AccessFlags.ShaderReadBit | AccessFlags.ShaderWriteBit);
        device.Api.CmdPipelineBarrier(cmd, stages, PipelineStageFlags.ComputeShaderBit, 0, 1, &b, 0, null, 0, null);
    }

    /// <summary>The shaders' writes, visible to the host once the fence signals.</summary>
    public static void ToHost(VulkanDevice device, CommandBuffer cmd)
    {
        var b = new MemoryBarrier(srcAccessMask: AccessFlags.ShaderWriteBit, dstAccessMask: AccessFlags.HostReadBit);
        device.Api.CmdPipelineBarrier(cmd, PipelineStageFlags.ComputeShaderBit, PipelineStageFlags.HostBit, 0, 1, &b, 0, null, 0, null);
    }

    /// <summary>
    /// Copies regions of <paramref name="source"/> that the shaders wrote into <paramref name="destination"/>
    /// (host memory), visible to the host once the fence signals: the host then reads cached memory
    /// instead of reaching over the bus into device memory.
    /// </summary>
    public static void CopyToHost(VulkanDevice device, CommandBuffer cmd, GpuBuffer source, GpuBuffer destination, ReadOnlySpan<BufferCopy> regions)
    {
        var before = new MemoryBarrier(srcAccessMask: AccessFlags.ShaderWriteBit, dstAccessMask: AccessFlags.TransferReadBit);
        device.Api.CmdPipelineBarrier(cmd, PipelineStageFlags.ComputeShaderBit, PipelineStageFlags.TransferBit, 0, 1, &before, 0, null, 0, null);
        fixed (BufferCopy* r = regions)
            device.Api.CmdCopyBuffer(cmd, source.Handle, destination.Handle, (uint)regions.Length, r);
        var after = new MemoryBarrier(srcAccessMask: AccessFlags.TransferWriteBit, dstAccessMask: AccessFlags.HostReadBit);
        device.Api.CmdPipelineBarrier(cmd, PipelineStageFlags.TransferBit, PipelineStageFlags.HostBit, 0, 1, &after, 0, null, 0, null);
    }
}
