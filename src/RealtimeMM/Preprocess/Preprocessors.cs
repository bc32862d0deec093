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
        if (preference == DevicePreference.Cpu)
            return new CpuPreprocessor(spec);
        bool owned = device is null;
        if (device is null)
        {
            try
            {
                device = VulkanDevice.Create();
            }
            catch (PlatformNotSupportedException e) when (preference == DevicePreference.Auto)
            {
                warn?.Invoke($"warning: Vulkan unavailable, preprocessing on the CPU ({e.Message})");
                return new CpuPreprocessor(spec);
            }
        }
        if (preference == DevicePreference.Auto && device.Info.IsCpu)
        {
            if (owned)
                device.Dispose();
            return new CpuPreprocessor(spec);
        }
        try
        {
            return new VulkanPreprocessor(device, spec, owned);
        }
        catch
        {
            if (owned)
                device.Dispose();
            throw;
        }
    }
}
