namespace RealtimeMM.Gpu;

/// <summary>Why a Vulkan device was lost (<see cref="VulkanDevice.DeviceLost"/>): the failing call and its result.</summary>
public sealed class DeviceLostEventArgs(string reason) : EventArgs
{
    public string Reason { get; } = reason;
}
