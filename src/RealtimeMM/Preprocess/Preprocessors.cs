using RealtimeMM.Gpu;

namespace RealtimeMM.Preprocess;

/// <summary>Creates the preprocessor the device policy asks for (DESIGN.md, "Device policy").</summary>
public static class Preprocessors
{
    /// <summary>
    /// <see cref="DevicePreference.Auto"/> uses Vulkan on a real GPU and the fast CPU path
    /// otherwise, writing one line to <paramref name="warn"/> when Vulkan is missing altogether.
    /// With a <paramref name="device"/> given, it is borrowed (keep it alive until the
    /// preprocessor is disposed); otherwise a device is opened and owned by the preprocessor.
    /// </summary>
    public static IPreprocessor Create(PreprocessSpec spec, DevicePreference preference = DevicePreference.Auto, VulkanDevice? device = null, Action<string>? warn = null)
    {
        spec.Validate();
        if (device is not null)
            return preference == DevicePreference.Cpu || (preference == DevicePreference.Auto && device.Info.IsCpu)
                ? new CpuPreprocessor(spec) : new VulkanPreprocessor(device, spec);
        var owned = VulkanDevice.ForPolicy(preference, warn);
        if (owned is null)
            return new CpuPreprocessor(spec);
        try
        {
            return new VulkanPreprocessor(owned, spec, ownsDevice: true);
        }
        catch
        {
            owned.Dispose();
            throw;
        }
    }
}
