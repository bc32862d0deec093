namespace RealtimeMM.Gpu;

/// <summary>A Vulkan physical device as the loader reports it.</summary>
/// <param name="Index">Position in the loader's list.</param>
/// <param name="Name">Device name, e.g. "llvmpipe (LLVM 15.0.6, 256 bits)" for lavapipe.</param>
/// <param name="Type">discrete, integrated, virtual, cpu or other.</param>
/// <param name="ApiVersion">Vulkan version the driver supports, "1.3.255".</param>
/// <param name="HasCompute">Whether a queue family supports compute.</param>
public sealed record GpuDeviceInfo(int Index, string Name, string Type, string ApiVersion, bool HasCompute)
{
    /// <summary>True for Mesa's lavapipe and other CPU implementations: correct, not fast.</summary>
    public bool IsCpu => Type == "cpu";
}
