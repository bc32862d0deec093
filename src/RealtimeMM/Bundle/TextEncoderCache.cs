namespace RealtimeMM.Bundle;

/// <summary>One question's text encoding: the states the fusion reads, its mask, its embedding, and the words the tokenizer did not know.</summary>
internal readonly record struct EncodedText(float[] States, float[] Mask, float[] Embedding, string[] Unknown);

/// <summary>
/// The bundle's text encoder behind a cache of the last <see cref="Size"/> distinct texts: a stream
/// asks the same questions frame after frame, and each is encoded once. Thread-safe (one text at a
/// time: the session's worker and a text search beside it share the encoder's buffers).
/// </summary>
internal sealed class TextEncoderCache(ModelBundle bundle)
{
    public const int Size = 256;
    readonly Dictionary<string, EncodedText> cache = [];
    readonly LinkedList<string> order = new();

    /// <summary>The encoding of <paramref name="text"/>; null when it has more words than the encoder reads.</summary>
    public EncodedText? For(string text)
    {
        lock (cache)
            return Encode(text);
    }

    EncodedText? Encode(string text)
    {
        if (cache.TryGetValue(text, out var hit))
            return hit;
        var enc = bundle.Text;
        IReadOnlyList<string> unknown;
        try
        {
            unknown = bundle.Tokenizer.Encode(text, enc.Input);
        }
        catch (ArgumentException)
        {
            return null;
        }
        enc.Run();
        var mask = enc.Input.Select(t => t != 0 ? 1f : 0f).ToArray();
        var entry = new EncodedText((float[])enc.Outputs[0].Clone(), mask, (float[])enc.Outputs[1].Clone(), unknown.ToArray());
        cache[text] = entry;
        order.AddLast(text);
        if (order.Count > Size)
        {
            cache.Remove(order.First!.Value);
            order.RemoveFirst();
        }
        return entry;
    }
}
