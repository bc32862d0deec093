using System.Globalization;
using System.IO.Hashing;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RealtimeMM.Teaching;

/// <summary>JSON lines that carry their own CRC-32 as their last member (<c>,"crc":"xxxxxxxx"}</c>), so a torn or damaged line is found and dropped alone.</summary>
internal static class ChecksummedLines
{
    const int Tail = 18; // ,"crc":"xxxxxxxx"}

    /// <summary>The object as one line (no newline) with its checksum.</summary>
    public static string Line(JsonObject node)
    {
        string json = node.ToJsonString();
        uint crc = Crc32.HashToUInt32(Encoding.UTF8.GetBytes(json));
        return json[..^1] + $",\"crc\":\"{crc:x8}\"}}";
    }

    /// <summary>The line's object when its checksum matches, else null.</summary>
    public static JsonObject? Checked(string line)
    {
        if (line.Length < Tail + 2 || !line.EndsWith("\"}") || !line.AsSpan(line.Length - Tail).StartsWith(",\"crc\":\""))
            return null;
        string body = line[..^Tail] + "}";
        if (!uint.TryParse(line.AsSpan(line.Length - 10, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out uint crc)
            || Crc32.HashToUInt32(Encoding.UTF8.GetBytes(body)) != crc)
            return null;
        try
        {
            return JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
