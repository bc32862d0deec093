namespace RealtimeMM.Gpu;

/// <summary>Where per-frame kernels run.</summary>
public enum DevicePreference
{
    /// <summary>Vulkan on a real GPU; the fast CPU path when the only Vulkan device is a CPU implementation or there is none.</summary>
    Auto,
    /// <summary>Vulkan, even on lavapipe; fails if Vulkan is unavailable.</summary>
    Vulkan,
    /// <summary>The fast CPU path.</summary>
    Cpu,
}
