using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using RealtimeMM.Gpu.Backend;
using Silk.NET.Core;
using Silk.NET.Core.Native;
using Silk.NET.Vulkan;

namespace RealtimeMM.Gpu;

/// <summary>Instance, validation layer and debug messenger, and the choice of physical device.</summary>
public sealed unsafe partial class VulkanDevice
{
    const string ValidationLayer = "VK_LAYER_KHRONOS_validation";
    const string DebugUtils = "VK_EXT_debug_utils";
    const string ValidationFeatures = "VK_EXT_validation_features";

    void CreateInstance()
    {
        var layers = InstanceLayers();
        if (Options.Validation && !layers.Contains(ValidationLayer))
            throw new PlatformNotSupportedException($"Vulkan validation was asked for but {ValidationLayer} is not installed: install Debian's vulkan-validationlayers");
        ValidationEnabled = Options.Validation;
        var extensions = new List<string>();
        if (ValidationEnabled)
        {
            if (!InstanceExtensions(null).Contains(DebugUtils))
                throw new PlatformNotSupportedException($"Vulkan validation needs {DebugUtils}, which the loader does not offer");
            extensions.Add(DebugUtils);
            if (InstanceExtensions(ValidationLayer).Contains(ValidationFeatures))
                extensions.Add(ValidationFeatures);
        }
        string[] enabledLayers = ValidationEnabled ? [ValidationLayer] : [];

        messagesHandle = GCHandle.Alloc(messages);
        var name = (byte*)SilkMarshal.StringToPtr("RealtimeMM");
        var ppExtensions = (byte**)SilkMarshal.StringArrayToPtr(extensions);
        var ppLayers = (byte**)SilkMarshal.StringArrayToPtr(enabledLayers);
        try
        {
            var app = new ApplicationInfo(pApplicationName: name, applicationVersion: 1, pEngineName: name, engineVersion: 1, apiVersion: Silk.NET.Vulkan.Vk.Version11);
            var debug = MessengerInfo();
            // synchronization validation catches missing barriers, which plain validation does not
            var enables = stackalloc ValidationFeatureEnableEXT[] { ValidationFeatureEnableEXT.SynchronizationValidationExt };
            var features = new ValidationFeaturesEXT(enabledValidationFeatureCount: 1, pEnabledValidationFeatures: enables);
            if (extensions.Contains(ValidationFeatures))
                debug.PNext = &features;
            var info = new InstanceCreateInfo(pApplicationInfo: &app,
                enabledExtensionCount: (uint)extensions.Count, ppEnabledExtensionNames: ppExtensions,
                enabledLayerCount: (uint)enabledLayers.Length, ppEnabledLayerNames: ppLayers,
                pNext: ValidationEnabled ? &debug : null);
            var result = Api.CreateInstance(in info, null, out instance);
            if (result == Result.ErrorIncompatibleDriver)
                throw new PlatformNotSupportedException("no Vulkan driver: install Debian's mesa-vulkan-drivers (lavapipe) or your GPU's driver");
            result.Check();
        }
        finally
        {
            SilkMarshal.Free((nint)name);
            SilkMarshal.Free((nint)ppExtensions);
            SilkMarshal.Free((nint)ppLayers);
        }

        if (ValidationEnabled)
        {
            // The debug-utils extension binding is not on our registry: call through the loader.
            var create = (delegate* unmanaged<Instance, DebugUtilsMessengerCreateInfoEXT*, AllocationCallbacks*, DebugUtilsMessengerEXT*, Result>)
                (nint)Api.GetInstanceProcAddr(instance, "vkCreateDebugUtilsMessengerEXT");
            var info = MessengerInfo();
            DebugUtilsMessengerEXT m;
            create(instance, &info, null, &m).Check();
            messenger = m;
        }
    }

    DebugUtilsMessengerCreateInfoEXT MessengerInfo() => new(
        messageSeverity: DebugUtilsMessageSeverityFlagsEXT.WarningBitExt | DebugUtilsMessageSeverityFlagsEXT.ErrorBitExt,
        messageType: DebugUtilsMessageTypeFlagsEXT.GeneralBitExt | DebugUtilsMessageTypeFlagsEXT.ValidationBitExt | DebugUtilsMessageTypeFlagsEXT.PerformanceBitExt,
        pfnUserCallback: (delegate* unmanaged[Cdecl]<DebugUtilsMessageSeverityFlagsEXT, DebugUtilsMessageTypeFlagsEXT, DebugUtilsMessengerCallbackDataEXT*, void*, Bool32>)&OnMessage,
        pUserData: (void*)GCHandle.ToIntPtr(messagesHandle));

    /// <summary>Static and unmanaged-callable: no delegate for the GC to collect while Vulkan holds it.</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static Bool32 OnMessage(DebugUtilsMessageSeverityFlagsEXT severity, DebugUtilsMessageTypeFlagsEXT type, DebugUtilsMessengerCallbackDataEXT* data, void* user)
    {
        if (user is not null && GCHandle.FromIntPtr((nint)user).Target is System.Collections.Concurrent.ConcurrentQueue<string> sink)
        {
            string level = severity.HasFlag(DebugUtilsMessageSeverityFlagsEXT.ErrorBitExt) ? "error" : "warning";
            sink.Enqueue($"{level}: {SilkMarshal.PtrToString((nint)data->PMessage)}");
        }
        return false;
    }

    HashSet<string> InstanceLayers()
    {
        uint n = 0;
        Api.EnumerateInstanceLayerProperties(ref n, null).Check();
        var props = new LayerProperties[n];
        fixed (LayerProperties* p = props)
            Api.EnumerateInstanceLayerProperties(ref n, p).Check();
        return props.Select(l => SilkMarshal.PtrToString((nint)l.LayerName)!).ToHashSet();
    }

    HashSet<string> InstanceExtensions(string? layer)
    {
        var pLayer = layer is null ? null : (byte*)SilkMarshal.StringToPtr(layer);
        try
        {
            uint n = 0;
            Api.EnumerateInstanceExtensionProperties(pLayer, ref n, null).Check();
            var props = new ExtensionProperties[n];
            fixed (ExtensionProperties* p = props)
                Api.EnumerateInstanceExtensionProperties(pLayer, ref n, p).Check();
            return props.Select(e => SilkMarshal.PtrToString((nint)e.ExtensionName)!).ToHashSet();
        }
        finally
        {
            if (pLayer is not null)
                SilkMarshal.Free((nint)pLayer);
        }
    }

    /// <summary>Discrete, then integrated, virtual, CPU; each needs a compute queue. Or the one asked for.</summary>
    void PickPhysicalDevice()
    {
        uint n = 0;
        Api.EnumeratePhysicalDevices(instance, ref n, null).Check();
        if (n == 0)
            throw new PlatformNotSupportedException("Vulkan found no device: install Debian's mesa-vulkan-drivers (lavapipe) or your GPU's driver");
        var devices = new PhysicalDevice[n];
        fixed (PhysicalDevice* p = devices)
            Api.EnumeratePhysicalDevices(instance, ref n, p).Check();
        var infos = VulkanDevices.Describe(Api, devices);
        int Rank(GpuDeviceInfo d) => d.Type switch { "discrete" => 0, "integrated" => 1, "virtual" => 2, "cpu" => 3, _ => 4 };
        GpuDeviceInfo chosen;
        if (Options.DeviceIndex is int index)
        {
            if (index < 0 || index >= infos.Count)
                throw new ArgumentOutOfRangeException(nameof(VulkanOptions.DeviceIndex), index, $"there are {infos.Count} Vulkan devices (0..{infos.Count - 1}); see rtmm info");
            chosen = infos[index];
            if (!chosen.HasCompute)
                throw new PlatformNotSupportedException($"Vulkan device {index} ({chosen.Name}) has no compute queue");
        }
        else
        {
            chosen = infos.Where(d => d.HasCompute).OrderBy(Rank).FirstOrDefault()
                ?? throw new PlatformNotSupportedException("no Vulkan device has a compute queue");
        }
        physical = devices[chosen.Index];
        Info = chosen;

        uint qn = 0;
        Api.GetPhysicalDeviceQueueFamilyProperties(physical, ref qn, null);
        var families = new QueueFamilyProperties[qn];
        fixed (QueueFamilyProperties* q = families)
            Api.GetPhysicalDeviceQueueFamilyProperties(physical, ref qn, q);
        int best = -1;
        for (int i = 0; i < qn; i++)
            if (families[i].QueueFlags.HasFlag(QueueFlags.ComputeBit) && (best < 0 || !families[i].QueueFlags.HasFlag(QueueFlags.GraphicsBit)))
                best = i; // a compute-only family, if any, runs beside graphics work
        queueFamily = (uint)best;
        Api.GetPhysicalDeviceProperties(physical, out var props);
        SupportsTimestamps = families[best].TimestampValidBits > 0 && props.Limits.TimestampComputeAndGraphics;
        TimestampPeriodNs = props.Limits.TimestampPeriod;
        MinStorageBufferOffsetAlignment = (long)props.Limits.MinStorageBufferOffsetAlignment;
        MaxWorkgroupThreads = (int)Math.Min(props.Limits.MaxComputeWorkGroupInvocations, props.Limits.MaxComputeWorkGroupSize[0]);
        MaxSharedMemoryBytes = (int)props.Limits.MaxComputeSharedMemorySize;
    }

    void DestroyInstance()
    {
        if (instance.Handle == 0)
            return;
        if (messenger.Handle != 0)
        {
            var destroy = (delegate* unmanaged<Instance, DebugUtilsMessengerEXT, AllocationCallbacks*, void>)
                (nint)Api.GetInstanceProcAddr(instance, "vkDestroyDebugUtilsMessengerEXT");
            destroy(instance, messenger, null);
        }
        Api.DestroyInstance(instance, null);
        if (messagesHandle.IsAllocated)
            messagesHandle.Free();
    }
}
