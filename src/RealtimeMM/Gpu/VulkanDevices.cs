using Silk.NET.Core.Native;
using Silk.NET.Vulkan;

namespace RealtimeMM.Gpu;

/// <summary>Lists Vulkan devices without creating any (a short-lived instance, no validation).</summary>
public static unsafe class VulkanDevices
{
    /// <summary>
    /// The Vulkan devices present. Throws <see cref="PlatformNotSupportedException"/> when there
    /// is no Vulkan loader or driver, with what to install.
    /// </summary>
    public static IReadOnlyList<GpuDeviceInfo> Enumerate()
    {
        Vk vk;
        try
        {
            vk = Vk.GetApi();
        }
        catch (Exception e) when (e is DllNotFoundException or FileNotFoundException or InvalidOperationException)
        {
            throw new PlatformNotSupportedException("no Vulkan loader (libvulkan.so.1): install Debian's libvulkan1 and mesa-vulkan-drivers", e);
        }
        using (vk)
        {
            var name = (byte*)SilkMarshal.StringToPtr("rtmm-info");
            try
            {
                var app = new ApplicationInfo(pApplicationName: name, applicationVersion: 1, pEngineName: name, engineVersion: 1, apiVersion: Vk.Version11);
                var create = new InstanceCreateInfo(pApplicationInfo: &app);
                var result = vk.CreateInstance(in create, null, out var instance);
                if (result != Result.Success)
                    throw new PlatformNotSupportedException($"vkCreateInstance failed with {result}: no Vulkan driver (install mesa-vulkan-drivers for lavapipe, or your GPU's driver)");
                try
                {
                    uint count = 0;
                    vk.EnumeratePhysicalDevices(instance, ref count, null);
                    var devices = new PhysicalDevice[count];
                    fixed (PhysicalDevice* p = devices)
                        vk.EnumeratePhysicalDevices(instance, ref count, p);
                    return Describe(vk, devices);
                }
                finally
                {
                    vk.DestroyInstance(instance, null);
                }
            }
            finally
            {
                SilkMarshal.Free((nint)name);
            }
        }
    }

    internal static IReadOnlyList<GpuDeviceInfo> Describe(Vk vk, PhysicalDevice[] devices) =>
        devices.Select((d, i) => Describe(vk, d, i)).ToArray();

    static GpuDeviceInfo Describe(Vk vk, PhysicalDevice device, int index)
    {
        vk.GetPhysicalDeviceProperties(device, out var props);
        uint n = 0;
        vk.GetPhysicalDeviceQueueFamilyProperties(device, ref n, null);
        var families = new QueueFamilyProperties[n];
        fixed (QueueFamilyProperties* p = families)
            vk.GetPhysicalDeviceQueueFamilyProperties(device, ref n, p);
        string type = props.DeviceType switch
        {
            PhysicalDeviceType.DiscreteGpu => "discrete",
            PhysicalDeviceType.IntegratedGpu => "integrated",
            PhysicalDeviceType.VirtualGpu => "virtual",
            PhysicalDeviceType.Cpu => "cpu",
            _ => "other",
        };
        uint v = props.ApiVersion;
        return new GpuDeviceInfo(index, SilkMarshal.PtrToString((nint)props.DeviceName) ?? "?", type,
            $"{v >> 22}.{(v >> 12) & 0x3ff}.{v & 0xfff}", families.Any(f => f.QueueFlags.HasFlag(QueueFlags.ComputeBit)));
    }
}
