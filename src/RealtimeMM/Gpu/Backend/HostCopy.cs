namespace RealtimeMM.Gpu.Backend;

/// <summary>
/// Copies a frame into mapped GPU memory. A 1080p frame is 6 MB; one core writing into
/// write-combined device memory moves a few GB/s, so copies of a megabyte or more are split across
/// cores (256 KB or more each; on an H200 a 2.5 MB upload in two shares took 0.4 ms of a 0.6 ms frame).
/// </summary>
internal static unsafe class HostCopy
{
    const int Chunk = 256 << 10;

    public static void Copy(ReadOnlySpan<byte> source, void* destination) =>
        CopyRuns(source, destination, [(0, source.Length)], source.Length);

    /// <summary>
    /// Copies the runs (offset, length) of <paramref name="source"/> to the same offsets in
    /// <paramref name="destination"/>; with megabytes of them, cores take equal shares of the bytes
    /// (a share can start or end inside a run).
    /// </summary>
    public static void CopyRuns(ReadOnlySpan<byte> source, void* destination, (long Offset, int Length)[] runs, long bytes)
    {
        int parts = bytes < 4 * Chunk ? 1 : (int)Math.Min(Math.Min(Environment.ProcessorCount, 8), bytes / Chunk);
        fixed (byte* src = source)
        {
            nint s = (nint)src, d = (nint)destination;
            if (parts < 2)
            {
                CopyShare(s, d, runs, 0, bytes);
                return;
            }
            Parallel.For(0, parts, i => CopyShare(s, d, runs, bytes * i / parts, bytes * (i + 1) / parts));
        }
    }

    /// <summary>Bytes <paramref name="from"/>..<paramref name="to"/> of the runs laid end to end.</summary>
    static void CopyShare(nint source, nint destination, (long Offset, int Length)[] runs, long from, long to)
    {
        long at = 0;
        foreach (var (offset, length) in runs)
        {
            long a = Math.Max(from, at), b = Math.Min(to, at + length);
            if (a < b)
            {
                long o = offset + (a - at);
                Buffer.MemoryCopy((byte*)source + o, (byte*)destination + o, b - a, b - a);
            }
            at += length;
            if (at >= to)
                return;
        }
    }
}
