using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using RealtimeMM.Gpu.Backend;
using Silk.NET.Core.Native;
using Silk.NET.Vulkan;
using VkApi = Silk.NET.Vulkan.Vk;

namespace RealtimeMM.Gpu;

/// <summary>
/// One Vulkan logical device with a compute queue: the owner of every Vulkan object the library
/// creates on it. Kernels (preprocessing, overlay, fusion) borrow it; dispose it after them. It
/// waits for the GPU to go idle before destroying anything.
/// </summary>
public sealed unsafe partial class VulkanDevice : IDisposable
{
    readonly ConcurrentQueue<string> messages = new();
    GCHandle messagesHandle;
    Instance instance;
    DebugUtilsMessengerEXT messenger;
    PhysicalDevice physical;
    Device device;
    Queue queue;
    uint queueFamily;
    PhysicalDeviceMemoryProperties memory;
    readonly object submitGate = new();
    bool disposed;

    VulkanDevice(VkApi api, VulkanOptions options)
    {
        Api = api;
        Options = options;
    }

    /// <summary>Opens a device. Throws <see cref="PlatformNotSupportedException"/> naming what to install when Vulkan is missing.</summary>
    public static VulkanDevice Create(VulkanOptions? options = null)
    {
        options ??= new VulkanOptions();
        if (options.FramesInFlight is < 1 or > 8)
            throw new ArgumentOutOfRangeException(nameof(options), options.FramesInFlight, "frames in flight must be within 1..8");
        VkApi api;
        try
        {
            api = VkApi.GetApi();
        }
        catch (Exception e) when (e is DllNotFoundException or FileNotFoundException or InvalidOperationException)
        {
            throw new PlatformNotSupportedException("no Vulkan loader (libvulkan.so.1): install Debian's libvulkan1 and mesa-vulkan-drivers (or your GPU's driver)", e);
        }
        var d = new VulkanDevice(api, options);
        try
        {
            d.CreateInstance();
            d.PickPhysicalDevice();
            d.CreateLogicalDevice();
            d.FenceSpin = options.FenceSpin ?? (d.Info.IsCpu ? TimeSpan.Zero : TimeSpan.FromMicroseconds(250));
            return d;
        }
        catch
        {
            d.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The device policy (DESIGN.md) in one place: null means "use the CPU paths". Cpu gives null;
    /// Vulkan opens a device or throws; Auto opens one only for a real GPU, and when Vulkan is
    /// missing writes one warning line to <paramref name="warn"/> and gives null. The caller owns
    /// the device.
    /// </summary>
    public static VulkanDevice? ForPolicy(DevicePreference preference, Action<string>? warn = null)
    {
        if (preference == DevicePreference.Cpu)
            return null;
        VulkanDevice device;
        try
        {
            device = Create();
        }
        catch (PlatformNotSupportedException e) when (preference == DevicePreference.Auto)
        {
            warn?.Invoke($"warning: Vulkan unavailable, running on the CPU ({e.Message})");
            return null;
        }
        if (preference == DevicePreference.Auto && device.Info.IsCpu)
        {
            device.Dispose(); // lavapipe proves correctness, not speed
            return null;
        }
        return device;
    }

    internal VkApi Api { get; }
    internal Device Handle => device;
    internal Queue Queue => queue;
    internal uint QueueFamily => queueFamily;
    internal VulkanOptions Options { get; }

    /// <summary>The device in use.</summary>
    public GpuDeviceInfo Info { get; private set; } = null!;

    /// <summary>Whether the validation layer is on (asked for and installed).</summary>
    public bool ValidationEnabled { get; private set; }

    /// <summary>Validation warnings and errors so far (empty when validation is off).</summary>
    public IReadOnlyList<string> ValidationMessages => messages.ToArray();

    /// <summary>Forgets the validation messages recorded so far.</summary>
    public void ClearValidationMessages() => messages.Clear();

    /// <summary>Whether the compute queue writes timestamps, so kernels can be timed on the GPU.</summary>
    public bool SupportsTimestamps { get; private set; }

    /// <summary>Nanoseconds per timestamp tick.</summary>
    public double TimestampPeriodNs { get; private set; }

    internal long MinStorageBufferOffsetAlignment { get; private set; }

    /// <summary>How long a wait for the GPU polls before blocking (<see cref="VulkanOptions.FenceSpin"/>); benchmarks change it to compare.</summary>
    public TimeSpan FenceSpin { get; set; }

    /// <summary>Most threads in one workgroup along x (at least 128 on any Vulkan device).</summary>
    internal int MaxWorkgroupThreads { get; private set; }

    /// <summary>Shared memory one workgroup may use, in bytes (at least 16 KB).</summary>
    internal int MaxSharedMemoryBytes { get; private set; }

    /// <summary>The device type as <see cref="GpuDeviceInfo.Type"/> names it, then the name.</summary>
    public override string ToString() => $"vulkan:{Info.Name}";

    void CreateLogicalDevice()
    {
        float priority = 1f;
        var queueInfo = new DeviceQueueCreateInfo(queueFamilyIndex: queueFamily, queueCount: 1, pQueuePriorities: &priority);
        bool hostImport = DeviceExtensions().Contains(HostImportExtension);
        string[] extensions = hostImport ? [HostImportExtension] : [];
        var ppExtensions = (byte**)SilkMarshal.StringArrayToPtr(extensions);
        try
        {
            var info = new DeviceCreateInfo(queueCreateInfoCount: 1, pQueueCreateInfos: &queueInfo,
                enabledExtensionCount: (uint)extensions.Length, ppEnabledExtensionNames: ppExtensions);
            Api.CreateDevice(physical, in info, null, out device).Check();
        }
        finally
        {
            SilkMarshal.Free((nint)ppExtensions);
        }
        Api.GetDeviceQueue(device, queueFamily, 0, out queue);
        Api.GetPhysicalDeviceMemoryProperties(physical, out memory);
        if (hostImport)
            EnableHostImport();
    }

    HashSet<string> DeviceExtensions()
    {
        uint n = 0;
        Api.EnumerateDeviceExtensionProperties(physical, (byte*)null, ref n, null).Check();
        var props = new ExtensionProperties[n];
        fixed (ExtensionProperties* p = props)
            Api.EnumerateDeviceExtensionProperties(physical, (byte*)null, ref n, p).Check();
        return props.Select(e => SilkMarshal.PtrToString((nint)e.ExtensionName)!).ToHashSet();
    }

    /// <summary>Submits one command buffer; the queue is shared, so submissions are serialised.</summary>
    internal void Submit(CommandBuffer commands, Fence fence)
    {
        var si = new SubmitInfo(commandBufferCount: 1, pCommandBuffers: &commands);
        if (Interlocked.Exchange(ref injectLost, 0) == 1)
            throw Lost(new VulkanException("vkQueueSubmit (injected)", (int)Result.ErrorDeviceLost, nameof(Result.ErrorDeviceLost)));
        try
        {
            lock (submitGate)
                Api.QueueSubmit(queue, 1, in si, fence).Check();
        }
        catch (VulkanException e) when (e.ResultName == nameof(Result.ErrorDeviceLost))
        {
            throw Lost(e);
        }
    }

    int injectLost;

    /// <summary>
    /// Raised once when the device is lost (a submission or a wait returned ErrorDeviceLost), with
    /// the failing call as the reason, on the thread that met it. Components sharing the device
    /// (answerers, overlay renderers) hear it and move to the CPU; the call that met it throws
    /// <see cref="VulkanException"/> as before.
    /// </summary>
    public event EventHandler<DeviceLostEventArgs>? DeviceLost;

    /// <summary>Why the device was lost, or null while it has not been.</summary>
    public string? LostReason { get; private set; }

    /// <summary>Fault injection for tests and benches: the next submission fails as a lost device's would (a real loss cannot be caused on lavapipe).</summary>
    internal void InjectDeviceLost() => Interlocked.Exchange(ref injectLost, 1);

    /// <summary>Records the loss and raises <see cref="DeviceLost"/> (once); returns the exception for the caller to throw.</summary>
    internal VulkanException Lost(VulkanException e)
    {
        if (LostReason is null)
        {
            LostReason = e.Message;
            DeviceLost?.Invoke(this, new DeviceLostEventArgs(e.Message));
        }
        return e;
    }

    /// <summary>Blocks until all submitted work is done.</summary>
    public void WaitIdle()
    {
        if (device.Handle != 0)
            lock (submitGate)
                Api.DeviceWaitIdle(device).Check();
    }

    public void Dispose()
    {
        if (disposed)
            return;
        disposed = true;
        if (device.Handle != 0)
        {
            Api.DeviceWaitIdle(device); // best effort: never throw from Dispose
            Api.DestroyDevice(device, null);
        }
        DestroyInstance();
        Api.Dispose();
    }
}
