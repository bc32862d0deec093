using System.Runtime.CompilerServices;
using Silk.NET.Vulkan;

namespace RealtimeMM.Gpu.Backend;

/// <summary>Checks every VkResult, in every build, naming the failing call.</summary>
internal static class VkCheck
{
    public static void Check(this Result result, [CallerArgumentExpression(nameof(result))] string call = "")
    {
        if (result < Result.Success)
            throw new VulkanException(ShortCall(call), (int)result, result.ToString());
    }

    /// <summary>"vk.CreateBuffer(device, in info, null, out buffer)" → "vkCreateBuffer".</summary>
    static string ShortCall(string call)
    {
        int dot = call.IndexOf('.'), paren = call.IndexOf('(');
        return dot >= 0 && paren > dot ? "vk" + call[(dot + 1)..paren] : call;
    }
}
