using RealtimeMM.Gpu;

namespace RealtimeMM.Tests.Gpu;

/// <summary>
/// Tests on a real Vulkan device (lavapipe here) with validation on: one device per fixture, and
/// every test fails on any validation warning or error, or on GPU buffers left undisposed.
/// </summary>
[Category("Vulkan")]
public abstract class VulkanFixture : TestBase
{
    protected VulkanDevice Device { get; private set; } = null!;

    [OneTimeSetUp]
    public void OpenDevice()
    {
        Device = VulkanDevice.Create(new VulkanOptions { Validation = true });
        Assert.That(Device.ValidationEnabled, Is.True);
        TestContext.Progress.WriteLine($"Vulkan device: {Device.Info}");
    }

    [OneTimeTearDown]
    public void CloseDevice() => Device?.Dispose();

    [SetUp]
    public void ForgetMessages() => Device.ClearValidationMessages();

    [TearDown]
    public void NoValidationMessagesOrLeaks()
    {
        var messages = Device.ValidationMessages;
        long buffers = Device.LiveBuffers;
        if (TestContext.CurrentContext.Result.Outcome.Status != NUnit.Framework.Interfaces.TestStatus.Passed)
            return;
        Assert.That(messages, Is.Empty, "validation layer messages");
        Assert.That(buffers, Is.Zero, "GPU buffers left undisposed");
    }
}
