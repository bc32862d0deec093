using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;

namespace RealtimeMM.Search;

/// <summary>
/// What an index was made with: the model bundle (name and a fingerprint of its encoders, since
/// embeddings from another model live in another space), the embedding size and the source.
/// </summary>
public sealed record FrameIndexHeader
{
    [JsonPropertyName("model")] public required string Model { get; init; }

    /// <summary>SHA-256 (hex, first 16 bytes) of the vision and text encoder files.</summary>
    [JsonPropertyName("fingerprint")] public required string Fingerprint { get; init; }

    [JsonPropertyName("dim")] public required int Dimensions { get; init; }

    /// <summary>The clip, camera or stream the frames came from, as the user named it.</summary>
    [JsonPropertyName("source")] public string Source { get; init; } = "";

    [JsonPropertyName("created")] public string Created { get; init; } = DateTime.UtcNow.ToString("O");

    /// <summary>The header for frames embedded by <paramref name="bundle"/>.</summary>
    public static FrameIndexHeader For(ModelBundle bundle, string source)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        return new()
        {
            Model = bundle.Manifest.Name,
            Fingerprint = FingerprintOf(bundle),
            Dimensions = bundle.Manifest.EmbeddingDim,
            Source = source,
        };
    }

    /// <summary>Identifies the encoders' weights: two bundles with the same files share an embedding space.</summary>
    public static string FingerprintOf(ModelBundle bundle)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in new[] { bundle.Manifest.VisionFile, bundle.Manifest.TextFile })
            sha.AppendData(File.ReadAllBytes(Path.Combine(bundle.Folder, file)));
        return Convert.ToHexStringLower(sha.GetHashAndReset().AsSpan(0, 16));
    }

    /// <summary>Throws unless frames from <paramref name="bundle"/> can be searched with this index (same model, same size).</summary>
    public void CheckCompatible(ModelBundle bundle, string file)
    {
        string fingerprint = FingerprintOf(bundle);
        if (fingerprint != Fingerprint)
            throw new FrameIndexException(file, $"made with model '{Model}' (fingerprint {Fingerprint}), not the loaded '{bundle.Manifest.Name}' ({fingerprint}): its embeddings are not comparable; index the clip again with this model");
        if (Dimensions != bundle.Manifest.EmbeddingDim)
            throw new FrameIndexException(file, $"holds {Dimensions}-dim embeddings, the model makes {bundle.Manifest.EmbeddingDim}");
    }

    /// <summary>Whether embeddings under <paramref name="other"/> compare with these (same model weights, same size).</summary>
    internal bool SameEmbeddings(FrameIndexHeader? other) => other is not null && other.Fingerprint == Fingerprint && other.Dimensions == Dimensions;

    internal byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this);

    internal static FrameIndexHeader? FromJson(ReadOnlySpan<byte> json) => JsonSerializer.Deserialize<FrameIndexHeader>(json);
}
