using RealtimeMM.Frames;

namespace RealtimeMM.Preprocess;

/// <summary>Where <see cref="VulkanPreprocessor"/> puts the bytes of a frame its kernel reads.</summary>
public enum FrameUpload
{
    /// <summary>
    /// Device memory the host can map (ReBAR): the CPU's copy crosses the bus, the kernel reads local
    /// memory. The kernel alone is fastest this way (H200: 28 µs at 1080p), the frame's copy is not
    /// (0.42 ms wall).
    /// </summary>
    DeviceMemory,

    /// <summary>
    /// Host memory: the CPU's copy stays in RAM, and the kernel reads the frame across the bus as it
    /// samples it. On a machine without a discrete GPU both are the same memory.
    /// </summary>
    HostMemory,

    /// <summary>
    /// No copy: a <see cref="Frame"/>'s own pixels (pooled, pinned, reused frame after frame) are imported
    /// once per buffer (<c>VK_EXT_external_memory_host</c>) and the kernel reads them across the bus. The
    /// frame must stay unchanged until its tensor is read back (<c>Run</c> waits for it; after
    /// <c>Submit</c>, until <c>Complete</c>). Pixels that are not a Frame's, and devices without the
    /// extension, go as <see cref="HostMemory"/>. The default: fastest wall time on a discrete GPU (H200,
    /// 1080p to 224: 0.13 ms with upload and readback, against 0.42 ms for <see cref="DeviceMemory"/>).
    /// </summary>
    HostImport,
}
