using System.Buffers.Binary;
using System.Text.Json;
using RealtimeMM.Fusion;
using RealtimeMM.Answering;

namespace RealtimeMM.Bundle;

/// <summary>
/// Reads float32 tensors from a safetensors file (u64 header length, JSON header of name → dtype,
/// shape, data offsets, then raw little-endian data). Sizes from the header are checked against
/// the file before anything is allocated.
/// </summary>
internal static class SafeTensors
{
    public static Dictionary<string, (int[] Shape, float[] Data)> Read(string path)
    {
        using var f = File.OpenRead(path);
        long length = f.Length;
        Span<byte> head = stackalloc byte[8];
        if (f.Read(head) != 8)
            throw new ModelBundleException(path, "header", "file is shorter than the 8-byte header length");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(head);
        if (headerLength == 0 || headerLength > (ulong)Math.Min(length - 8, 16 << 20))
            throw new ModelBundleException(path, "header", $"header length {headerLength} does not fit the {length}-byte file");
        var headerBytes = new byte[headerLength];
        f.ReadExactly(headerBytes);
        long dataStart = 8 + (long)headerLength;
        var result = new Dictionary<string, (int[], float[])>();
        var doc = JsonFields.Parse(headerBytes, (problem, e) => new ModelBundleException(path, "header", problem, e));
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new ModelBundleException(path, "header", "the header must be a JSON object of tensors");
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (p.Name == "__metadata__")
                    continue;
                string at = $"tensor '{p.Name}'";
                int[] shape;
                long[] offsets;
                try
                {
                    if (p.Value.ValueKind != JsonValueKind.Object || !p.Value.TryGetProperty("dtype", out var dtype) || dtype.ValueKind != JsonValueKind.String || dtype.GetString() != "F32")
                        throw new ModelBundleException(path, at, "dtype must be F32");
                    shape = p.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
                    offsets = p.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                }
                catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException or OverflowException)
                {
                    throw new ModelBundleException(path, at, $"a malformed entry: it needs dtype, shape (integers) and data_offsets (two integers) ({e.Message})", e);
                }
                long count = shape.Any(s => s < 0) || shape.Any(s => s > int.MaxValue / 4) ? -1 : shape.Aggregate(1L, (a, b) => a * b > int.MaxValue ? int.MaxValue : a * b);
                if (count < 0 || offsets.Length != 2 || offsets[1] - offsets[0] != count * 4 || offsets[0] < 0 || dataStart + offsets[1] > length)
                    throw new ModelBundleException(path, at, $"shape [{string.Join(", ", shape)}] and offsets [{string.Join(", ", offsets)}] do not fit the file");
                var data = new float[count];
                f.Position = dataStart + offsets[0];
                f.ReadExactly(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()));
                if (!BitConverter.IsLittleEndian)
                    throw new PlatformNotSupportedException("safetensors data is little-endian");
                result[p.Name] = (shape, data);
            }
        }
        return result;
    }
}
