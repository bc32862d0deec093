namespace RealtimeMM.Gpu;

/// <summary>How to open a Vulkan device.</summary>
public sealed record VulkanOptions
{
    /// <summary>
    /// Enable the Khronos validation layer (with synchronization validation) and record its
    /// warnings and errors in <see cref="VulkanDevice.ValidationMessages"/>. Always on in tests.
    /// </summary>
    public bool Validation { get; init; }

    /// <summary>
    /// A device by its index in <c>rtmm info</c>'s list; null picks the best: discrete GPU, then
    /// integrated, virtual, and last a CPU implementation (lavapipe).
    /// </summary>
    public int? DeviceIndex { get; init; }

    /// <summary>Frames in flight: each has its own buffers, command buffer and fence.</summary>
    public int FramesInFlight { get; init; } = 2;

    /// <summary>
    /// How long a wait for the GPU polls its fence before it blocks in the driver. A blocked thread
    /// wakes some tens of microseconds after the GPU signals, which is most of a short run's time;
    /// polling costs that much CPU instead. Null: 250 µs on a real GPU, none on a CPU implementation
    /// (lavapipe), whose work runs on the cores a polling thread would take.
    /// </summary>
    public TimeSpan? FenceSpin { get; init; }
}
