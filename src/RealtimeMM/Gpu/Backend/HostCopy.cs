namespace RealtimeMM.Gpu.Backend;

/// <summary>
/// Copies a frame into mapped GPU memory. A 1080p frame is 6 MB; one core writing into
/// write-combined device memory moves about 10 GB/s, so large copies are split across cores
/// (1 MB or more each), which is what keeps the upload inside a fraction of a millisecond.
/// </summary>
internal static unsafe class HostCopy
{
    const int Chunk = 1 << 20;

    public static void Copy(ReadOnlySpan<byte> source, void* destination)
    {
        int parts = Math.Min(Math.Min(Environment.ProcessorCount, 8), source.Length / Chunk);
        if (parts < 2)
        {
            source.CopyTo(new Span<byte>(destination, source.Length));
            return;
        }
        fixed (byte* src = source)
        {
            nint s = (nint)src, d = (nint)destination;
            long length = source.Length, per = (length + parts - 1) / parts;
            Parallel.For(0, parts, i =>
            {
                long offset = i * per, count = Math.Min(per, length - offset);
                Buffer.MemoryCopy((byte*)s + offset, (byte*)d + offset, count, count);
            });
        }
    }
}
