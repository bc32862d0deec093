using System.Text.Json;
using System.Text.Json.Serialization;

namespace RealtimeMM.Replay;

/// <summary>An axis-aligned box in source-frame pixels; JSON <c>[x, y, width, height]</c>.</summary>
[JsonConverter(typeof(PixelBoxJsonConverter))]
public readonly record struct PixelBox(int X, int Y, int Width, int Height)
{
    public int Right => X + Width;
    public int Bottom => Y + Height;
    public int Area => Width * Height;
    public double CenterX => X + Width / 2.0;
    public double CenterY => Y + Height / 2.0;

    public bool Contains(double x, double y) => x >= X && x < Right && y >= Y && y < Bottom;

    public int IntersectionArea(PixelBox other)
    {
        int w = Math.Min(Right, other.Right) - Math.Max(X, other.X);
        int h = Math.Min(Bottom, other.Bottom) - Math.Max(Y, other.Y);
        return w > 0 && h > 0 ? w * h : 0;
    }

    public override string ToString() => $"[{X}, {Y}, {Width}, {Height}]";
}

internal sealed class PixelBoxJsonConverter : JsonConverter<PixelBox>
{
    public override PixelBox Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
            throw new JsonException("a box must be an array [x, y, width, height]");
        Span<int> v = stackalloc int[4];
        int n = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (n == 4 || reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out v[n]))
                throw new JsonException("a box must be four integers [x, y, width, height]");
            n++;
        }
        if (n != 4)
            throw new JsonException("a box must be four integers [x, y, width, height]");
        return new PixelBox(v[0], v[1], v[2], v[3]);
    }

    public override void Write(Utf8JsonWriter writer, PixelBox value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        writer.WriteNumberValue(value.X);
        writer.WriteNumberValue(value.Y);
        writer.WriteNumberValue(value.Width);
        writer.WriteNumberValue(value.Height);
        writer.WriteEndArray();
    }
}
