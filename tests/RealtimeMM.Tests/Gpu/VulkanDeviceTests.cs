using RealtimeMM.Gpu;
using RealtimeMM.Gpu.Backend;
using Silk.NET.Vulkan;

namespace RealtimeMM.Tests.Gpu;

public class VulkanDeviceTests : VulkanFixture
{
    [Test]
    public void Create_Auto_PicksLavapipeWithTimestamps()
    {
        Assert.That(Device.Info.Name, Does.Contain("llvmpipe"));
        Assert.That(Device.ToString(), Does.StartWith("vulkan:llvmpipe"));
        TestContext.Out.WriteLine($"timestamps: {Device.SupportsTimestamps}, period {Device.TimestampPeriodNs} ns");
    }

    [Test]
    public unsafe void Messenger_DeliberatelyInvalidCall_IsCaught()
    {
        // size 0 and no usage flags are both invalid for vkCreateBuffer
        var info = new BufferCreateInfo(size: 0, usage: 0);
        if (Device.Api.CreateBuffer(Device.Handle, in info, null, out var buffer) == Result.Success)
            Device.Api.DestroyBuffer(Device.Handle, buffer, null);
        var messages = Device.ValidationMessages;
        TestContext.Out.WriteLine(string.Join("\n", messages));
        Assert.That(messages, Has.Some.StartsWith("error:").And.Some.Contains("VkBufferCreateInfo"));
        Device.ClearValidationMessages(); // caught on purpose: the teardown check must pass
    }

    [Test]
    public void Check_ErrorResult_ThrowsNamingTheCall()
    {
        var e = Assert.Throws<VulkanException>(() => Result.ErrorDeviceLost.Check("vk.QueueSubmit(queue, 1, in si, fence)"));
        Assert.That(e!.Message, Is.EqualTo("vkQueueSubmit failed: ErrorDeviceLost (-4)"));
    }

    [Test]
    public void Create_DeviceIndexOutOfRange_Throws()
    {
        Assert.That(() => VulkanDevice.Create(new VulkanOptions { DeviceIndex = 5 }),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("there are 1 Vulkan devices"));
    }

    [Test]
    public void LoadSpirv_MissingShader_ThrowsNamingGlslc()
    {
        Assert.That(() => ComputePipeline.LoadSpirv("nosuchshader"),
            Throws.InvalidOperationException.With.Message.Contains("shaders/nosuchshader.comp").And.Message.Contains("glslc"));
    }
}
