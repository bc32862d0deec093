using System.Runtime.InteropServices;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace RealtimeMM.Search;

/// <summary>
/// The index file, little-endian: magic <c>RTMMIDX\x01</c>, uint32 length of the header JSON, the
/// JSON (<see cref="FrameIndexHeader"/>), zero padding to a multiple of 8, then fixed-size records:
/// int64 frame index, float64 seconds, float32[dim] embedding, uint32 CRC-32 of those bytes, uint32 0.
/// Records are only ever appended, so a crash can leave at most one torn record at the end, which
/// the CRC and the record size find; nothing before it changes.
/// </summary>
internal static class FrameIndexFormat
{
    public static readonly byte[] Magic = "RTMMIDX\u0001"u8.ToArray();

    public static int RecordSize(int dim) => 8 + 8 + 4 * dim + 8;

    public static byte[] HeaderBytes(FrameIndexHeader header)
    {
        var json = header.ToJson();
        int length = (12 + json.Length + 7) & ~7;
        var bytes = new byte[length];
        Magic.CopyTo(bytes, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), (uint)json.Length);
        json.CopyTo(bytes, 12);
        return bytes;
    }

    /// <summary>Reads the header; the offset of the first record comes back in <paramref name="recordsStart"/>.</summary>
    public static FrameIndexHeader ReadHeader(Stream stream, string file, out long recordsStart)
    {
        var head = new byte[12];
        if (stream.ReadAtLeast(head, 12, throwOnEndOfStream: false) < 12 || !head.AsSpan(0, 8).SequenceEqual(Magic))
            throw new FrameIndexException(file, "not a RealtimeMM frame index (no RTMMIDX header); make one with `rtmm index`");
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(head.AsSpan(8));
        if (length > 1 << 20)
            throw new FrameIndexException(file, $"header length {length} bytes is not plausible: the file is damaged");
        var json = new byte[length];
        if (stream.ReadAtLeast(json, json.Length, throwOnEndOfStream: false) < json.Length)
            throw new FrameIndexException(file, "the header is cut short: the file is damaged");
        FrameIndexHeader? header;
        try
        {
            header = FrameIndexHeader.FromJson(json);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new FrameIndexException(file, $"the header is not valid JSON ({e.Message})", e);
        }
        if (header is null || string.IsNullOrEmpty(header.Fingerprint) || header.Dimensions is < 1 or > 65536)
            throw new FrameIndexException(file, $"the header lacks the model fingerprint or a valid dim ({Encoding.UTF8.GetString(json)})");
        recordsStart = (12 + length + 7) & ~7L;
        return header;
    }

    public static void WriteRecord(Span<byte> record, long frameIndex, double seconds, ReadOnlySpan<float> embedding)
    {
        BinaryPrimitives.WriteInt64LittleEndian(record, frameIndex);
        BinaryPrimitives.WriteDoubleLittleEndian(record[8..], seconds);
        var body = record[16..(16 + 4 * embedding.Length)];
        for (int i = 0; i < embedding.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(body[(4 * i)..], embedding[i]);
        int crcAt = 16 + 4 * embedding.Length;
        BinaryPrimitives.WriteUInt32LittleEndian(record[crcAt..], Crc32.HashToUInt32(record[..crcAt]));
        BinaryPrimitives.WriteUInt32LittleEndian(record[(crcAt + 4)..], 0);
    }

    /// <summary>
    /// A record's frame number and seconds, and its embedding into <paramref name="embedding"/> when
    /// given (the record's CRC is not checked here: <see cref="RecordIntact"/>).
    /// </summary>
    public static (long Frame, double Seconds) ReadRecord(ReadOnlySpan<byte> record, Span<float> embedding = default)
    {
        if (!embedding.IsEmpty)
        {
            if (BitConverter.IsLittleEndian)
                MemoryMarshal.Cast<byte, float>(record.Slice(16, 4 * embedding.Length)).CopyTo(embedding);
            else
                for (int i = 0; i < embedding.Length; i++)
                    embedding[i] = BinaryPrimitives.ReadSingleLittleEndian(record[(16 + 4 * i)..]);
        }
        return (BinaryPrimitives.ReadInt64LittleEndian(record), BinaryPrimitives.ReadDoubleLittleEndian(record[8..]));
    }

    /// <summary>Whether a record's CRC holds (a torn or overwritten record fails).</summary>
    public static bool RecordIntact(ReadOnlySpan<byte> record)
    {
        int crcAt = record.Length - 8;
        return BinaryPrimitives.ReadUInt32LittleEndian(record[crcAt..]) == Crc32.HashToUInt32(record[..crcAt])
            && BinaryPrimitives.ReadUInt32LittleEndian(record[(crcAt + 4)..]) == 0;
    }

    /// <summary>
    /// Reads whole, intact records from <paramref name="recordsStart"/> on, calling <paramref name="take"/> for
    /// each; stops at the first torn or damaged one. Returns the file offset where the good records end.
    /// </summary>
    public static long ReadRecords(Stream stream, long recordsStart, int dim, Action<ReadOnlySpan<byte>> take)
    {
        int size = RecordSize(dim);
        stream.Position = recordsStart;
        var buffer = new byte[size * 4096];
        long end = recordsStart;
        while (true)
        {
            int got = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            int whole = got / size;
            for (int r = 0; r < whole; r++)
            {
                var record = buffer.AsSpan(r * size, size);
                if (!RecordIntact(record))
                    return end;
                take(record);
                end += size;
            }
            if (got < buffer.Length)
                return end;
        }
    }
}
