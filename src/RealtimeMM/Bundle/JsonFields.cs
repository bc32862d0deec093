using System.Text.Json;
using RealtimeMM.Fusion;
using RealtimeMM.Answering;

namespace RealtimeMM.Bundle;

/// <summary>
/// Typed access to a JSON object's fields by dotted path (<c>image.width</c>), failing through
/// <c>fail(field, problem)</c> so that every fault names its file and field.
/// </summary>
internal sealed class JsonFields(JsonElement root, Func<string, string, Exception> fail)
{
    static readonly System.Text.UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Parses JSON bytes, checking the UTF-8 first (JSON strings are read lazily: bad UTF-8 inside one would surface later as a bare InvalidOperationException); <paramref name="fail"/> makes the typed error from the problem.</summary>
    public static JsonDocument Parse(byte[] bytes, Func<string, Exception, Exception> fail)
    {
        try
        {
            StrictUtf8.GetCharCount(bytes);
            return JsonDocument.Parse(bytes);
        }
        catch (JsonException e)
        {
            throw fail($"not valid JSON ({e.Message})", e);
        }
        catch (System.Text.DecoderFallbackException e)
        {
            throw fail($"not valid UTF-8 ({e.Message})", e);
        }
    }

    public bool Has(string path) => Find(path) is not null;

    JsonElement? Find(string path)
    {
        var e = root;
        foreach (var part in path.Split('.'))
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(part, out e))
                return null;
        }
        return e;
    }

    JsonElement Get(string path) => Find(path) ?? throw fail(path, "missing");

    /// <summary>An object field, to read further.</summary>
    public JsonElement Element(string path)
    {
        var e = Get(path);
        return e.ValueKind == JsonValueKind.Object ? e : throw fail(path, $"expected an object, got {e.ValueKind}");
    }

    public string Str(string path)
    {
        var e = Get(path);
        return e.ValueKind == JsonValueKind.String && e.GetString() is { Length: > 0 } s ? s : throw fail(path, $"expected a non-empty string, got {e}");
    }

    public int Int(string path, int min = int.MinValue, int max = int.MaxValue)
    {
        var e = Get(path);
        if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt32(out int v))
            throw fail(path, $"expected an integer, got {e}");
        return v >= min && v <= max ? v : throw fail(path, $"expected an integer within {min}..{max}, got {v}");
    }

    public int Positive(string path)
    {
        int v = Int(path);
        return v is > 0 and <= 65536 ? v : throw fail(path, $"expected a positive integer, got {v}");
    }

    public float Float(string path, double min, double max)
    {
        var e = Get(path);
        return e.ValueKind == JsonValueKind.Number && e.GetDouble() is var v && v >= min && v <= max
            ? (float)v : throw fail(path, $"expected a number within {min}..{max}, got {e}");
    }

    public float[] Floats(string path, int count)
    {
        var e = Get(path);
        if (e.ValueKind != JsonValueKind.Array || e.GetArrayLength() != count || e.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.Number))
            throw fail(path, $"expected {count} numbers, got {e}");
        return e.EnumerateArray().Select(x => (float)x.GetDouble()).ToArray();
    }

    public string[] Strings(string path, bool allowEmpty = false)
    {
        var e = Get(path);
        if (e.ValueKind != JsonValueKind.Array || (!allowEmpty && e.GetArrayLength() == 0)
            || e.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(x.GetString())))
            throw fail(path, allowEmpty ? "expected a list of strings" : "expected a non-empty list of strings");
        return e.EnumerateArray().Select(x => x.GetString()!).ToArray();
    }

    /// <summary>A non-empty array's items.</summary>
    public IReadOnlyList<JsonElement> Array(string path)
    {
        var e = Get(path);
        if (e.ValueKind != JsonValueKind.Array || e.GetArrayLength() == 0)
            throw fail(path, "expected a non-empty list");
        return e.EnumerateArray().ToArray();
    }

    /// <summary>A non-empty object's keys, in order.</summary>
    public IReadOnlyList<string> Keys(string path)
    {
        var e = Get(path);
        if (e.ValueKind != JsonValueKind.Object || !e.EnumerateObject().Any())
            throw fail(path, "expected an object with at least one field");
        return e.EnumerateObject().Select(p => p.Name).ToArray();
    }

    /// <summary>A file name inside the bundle folder: no directories, no "..".</summary>
    public string File(string path)
    {
        var s = Str(path);
        if (s.Contains('/') || s.Contains('\\') || s == "." || s == ".." || s.Contains(':'))
            throw fail(path, $"\"{s}\" must be a file name inside the bundle folder");
        return s;
    }
}
