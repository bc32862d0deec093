using System.Collections.Concurrent;

namespace RealtimeMM.Frames;

/// <summary>
/// Pool of pinned byte arrays (allocated on the pinned object heap) for frame pixels. Pinned, so
/// native code (OpenCV, Vulkan staging copies) can hold a pointer for as long as the frame lives.
/// Keeps a few buffers per size: a stream of frames of one resolution allocates only at start.
/// </summary>
internal static class PinnedBufferPool
{
    const int MaxPerSize = 8;
    static readonly ConcurrentDictionary<int, ConcurrentBag<byte[]>> free = new();

    public static byte[] Rent(int length)
    {
        if (free.TryGetValue(length, out var bag) && bag.TryTake(out var buffer))
            return buffer;
        return GC.AllocateUninitializedArray<byte>(length, pinned: true);
    }

    public static void Return(byte[] buffer)
    {
        var bag = free.GetOrAdd(buffer.Length, _ => new ConcurrentBag<byte[]>());
        if (bag.Count < MaxPerSize)
            bag.Add(buffer);
    }
}
