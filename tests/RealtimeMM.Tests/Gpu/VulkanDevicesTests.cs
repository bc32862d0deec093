using RealtimeMM.Gpu;

namespace RealtimeMM.Tests.Gpu;

[Category("Vulkan")]
public class VulkanDevicesTests : TestBase
{
    [Test]
    public void Enumerate_ThisMachine_ListsLavapipeWithCompute()
    {
        // A missing lavapipe is a failure, not a skip: CI must run the Vulkan path somewhere.
        var devices = VulkanDevices.Enumerate();
        foreach (var d in devices)
            TestContext.Out.WriteLine(d);
        Assert.That(devices, Has.Some.Matches<GpuDeviceInfo>(d => d.Name.Contains("llvmpipe") && d.IsCpu && d.HasCompute));
    }
}
