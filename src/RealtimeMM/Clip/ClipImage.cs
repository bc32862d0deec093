namespace RealtimeMM.Clip;

/// <summary>
/// One frame through a CLIP vision model: its unit image embedding, and a unit embedding per patch
/// (the patch tokens through the model's own final layer norm and projection, like the image's
/// class token) on a <see cref="GridWidth"/> x <see cref="GridHeight"/> grid, row by row: dense
/// similarity maps against text embeddings.
/// </summary>
public sealed record ClipImage(float[] Embedding, float[] Patches, int GridWidth, int GridHeight, int Dimensions)
{
    /// <summary>Patch (row, column)'s unit embedding.</summary>
    public ReadOnlySpan<float> Patch(int row, int column) => Patches.AsSpan((row * GridWidth + column) * Dimensions, Dimensions);
}
