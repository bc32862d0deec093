using System.Runtime.InteropServices;

namespace RealtimeMM.Gpu;

/// <summary>A Vulkan call returned an error. The message names the call and the result code.</summary>
public class VulkanException : ExternalException
{
    public VulkanException(string call, int result, string resultName)
        : base($"{call} failed: {resultName} ({result})", result)
    {
        Call = call;
        ResultName = resultName;
    }

    /// <summary>The failing call's source text.</summary>
    public string Call { get; }

    /// <summary>The VkResult's name, e.g. ErrorDeviceLost.</summary>
    public string ResultName { get; }
}
