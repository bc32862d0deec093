using Silk.NET.Core.Native;
using Silk.NET.Vulkan;

namespace RealtimeMM.Gpu.Backend;

/// <summary>
/// A compute shader from embedded SPIR-V, with its layout: <c>bindingCount</c> storage buffers in
/// set 0 and one push-constant block, and optionally values for its integer specialization
/// constants (constant_id i takes <c>specialization[i]</c>). Descriptor sets come from its own pool.
/// </summary>
internal sealed unsafe class ComputePipeline : IDisposable
{
    readonly VulkanDevice device;
    readonly ShaderModule module;
    readonly DescriptorSetLayout setLayout;
    readonly DescriptorPool pool;
    readonly int bindingCount;

    public ComputePipeline(VulkanDevice device, string shaderName, int bindingCount, uint pushConstantSize, int maxSets, int[]? specialization = null)
    {
        this.device = device;
        this.bindingCount = bindingCount;
        var api = device.Api;
        var dev = device.Handle;
        var spirv = LoadSpirv(shaderName);
        try
        {
            fixed (byte* code = spirv)
            {
                var info = new ShaderModuleCreateInfo(codeSize: (nuint)spirv.Length, pCode: (uint*)code);
                api.CreateShaderModule(dev, in info, null, out module).Check();
            }
            var bindings = stackalloc DescriptorSetLayoutBinding[bindingCount];
            for (int i = 0; i < bindingCount; i++)
                bindings[i] = new DescriptorSetLayoutBinding(binding: (uint)i, descriptorType: DescriptorType.StorageBuffer, descriptorCount: 1, stageFlags: ShaderStageFlags.ComputeBit);
            var layoutInfo = new DescriptorSetLayoutCreateInfo(bindingCount: (uint)bindingCount, pBindings: bindings);
            api.CreateDescriptorSetLayout(dev, in layoutInfo, null, out setLayout).Check();

            var range = new PushConstantRange(ShaderStageFlags.ComputeBit, 0, pushConstantSize);
            var sl = setLayout;
            var plInfo = new PipelineLayoutCreateInfo(setLayoutCount: 1, pSetLayouts: &sl, pushConstantRangeCount: 1, pPushConstantRanges: &range);
            api.CreatePipelineLayout(dev, in plInfo, null, out var layout).Check();
            Layout = layout;

            var entry = (byte*)SilkMarshal.StringToPtr("main");
            try
            {
                int constants = specialization?.Length ?? 0;
                var entries = stackalloc SpecializationMapEntry[Math.Max(1, constants)];
                for (int i = 0; i < constants; i++)
                    entries[i] = new SpecializationMapEntry((uint)i, (uint)(i * 4), 4);
                fixed (int* values = specialization)
                {
                    var spec = new SpecializationInfo(mapEntryCount: (uint)constants, pMapEntries: entries, dataSize: (nuint)(constants * 4), pData: values);
                    var stage = new PipelineShaderStageCreateInfo(stage: ShaderStageFlags.ComputeBit, module: module, pName: entry, pSpecializationInfo: constants > 0 ? &spec : null);
                    var info = new ComputePipelineCreateInfo(stage: stage, layout: Layout);
                    api.CreateComputePipelines(dev, default, 1, in info, null, out var pipeline).Check();
                    Handle = pipeline;
                }
            }
            finally
            {
                SilkMarshal.Free((nint)entry);
            }

            var size = new DescriptorPoolSize(DescriptorType.StorageBuffer, (uint)(bindingCount * maxSets));
            var poolInfo = new DescriptorPoolCreateInfo(flags: DescriptorPoolCreateFlags.FreeDescriptorSetBit, maxSets: (uint)maxSets, poolSizeCount: 1, pPoolSizes: &size);
            api.CreateDescriptorPool(dev, in poolInfo, null, out pool).Check();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public Pipeline Handle { get; }
    public PipelineLayout Layout { get; }

    /// <summary>A descriptor set pointing binding i at <paramref name="buffers"/>[i].</summary>
    public DescriptorSet AllocateSet(params GpuBuffer?[] buffers)
    {
        if (buffers.Length != bindingCount)
            throw new ArgumentException($"the pipeline has {bindingCount} bindings, got {buffers.Length} buffers");
        var sl = setLayout;
        var alloc = new DescriptorSetAllocateInfo(descriptorPool: pool, descriptorSetCount: 1, pSetLayouts: &sl);
        device.Api.AllocateDescriptorSets(device.Handle, in alloc, out var set).Check();
        for (int i = 0; i < bindingCount; i++)
            if (buffers[i] is { } buffer)
                UpdateSet(set, i, buffer);
        return set;
    }

    /// <summary>
    /// Points <paramref name="binding"/> of <paramref name="set"/> at <paramref name="buffer"/> (a null in
    /// <see cref="AllocateSet"/> leaves a binding for this). Only while no pending command buffer uses the set,
    /// and before recording one that binds it.
    /// </summary>
    public void UpdateSet(DescriptorSet set, int binding, GpuBuffer buffer)
    {
        var info = new DescriptorBufferInfo(buffer.Handle, 0, Silk.NET.Vulkan.Vk.WholeSize);
        var write = new WriteDescriptorSet(dstSet: set, dstBinding: (uint)binding, descriptorCount: 1, descriptorType: DescriptorType.StorageBuffer, pBufferInfo: &info);
        device.Api.UpdateDescriptorSets(device.Handle, 1, &write, 0, null);
    }

    /// <summary>Records bind, push constants and dispatch of this pipeline with <paramref name="set"/>.</summary>
    public void Dispatch(CommandBuffer cmd, DescriptorSet set, void* push, uint pushSize, uint groupsX, uint groupsY = 1, uint groupsZ = 1)
    {
        var api = device.Api;
        api.CmdBindPipeline(cmd, PipelineBindPoint.Compute, Handle);
        api.CmdBindDescriptorSets(cmd, PipelineBindPoint.Compute, Layout, 0, 1, &set, 0, null);
        api.CmdPushConstants(cmd, Layout, ShaderStageFlags.ComputeBit, 0, pushSize, push);
        api.CmdDispatch(cmd, groupsX, groupsY, groupsZ);
    }

    public void FreeSet(DescriptorSet set) => device.Api.FreeDescriptorSets(device.Handle, pool, 1, in set).Check();

    /// <summary>The SPIR-V that the build compiled from <c>shaders/NAME.comp</c> and embedded.</summary>
    internal static byte[] LoadSpirv(string name)
    {
        using var stream = typeof(ComputePipeline).Assembly.GetManifestResourceStream(name + ".spv")
            ?? throw new InvalidOperationException($"shader {name}.spv is not embedded in {typeof(ComputePipeline).Assembly.GetName().Name}: the build compiles shaders/{name}.comp with glslc (install Debian's glslc)");
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        if (bytes.Length < 20 || BitConverter.ToUInt32(bytes, 0) != 0x07230203)
            throw new InvalidDataException($"shader {name}.spv is not SPIR-V (bad magic number)");
        return bytes;
    }

    public void Dispose()
    {
        var api = device.Api;
        var dev = device.Handle;
        if (pool.Handle != 0) api.DestroyDescriptorPool(dev, pool, null);
        if (Handle.Handle != 0) api.DestroyPipeline(dev, Handle, null);
        if (Layout.Handle != 0) api.DestroyPipelineLayout(dev, Layout, null);
        if (setLayout.Handle != 0) api.DestroyDescriptorSetLayout(dev, setLayout, null);
        if (module.Handle != 0) api.DestroyShaderModule(dev, module, null);
    }
}
