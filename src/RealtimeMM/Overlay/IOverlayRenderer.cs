using RealtimeMM.Frames;
using RealtimeMM.Preprocess;

namespace RealtimeMM.Overlay;

/// <summary>
/// Draws attention heatmaps over frames (see <see cref="OverlaySpec"/>). Buffers are sized per
/// frame resolution and grid size; a change reconfigures them. Not thread-safe.
/// </summary>
public interface IOverlayRenderer : IDisposable
{
    OverlaySpec Spec { get; }

    /// <summary><c>vulkan:NAME</c> or <c>cpu</c>.</summary>
    string Device { get; }

    /// <summary>
    /// Writes <paramref name="frame"/> with the heatmap of <paramref name="grid"/> (row-major,
    /// <paramref name="gridHeight"/> rows of <paramref name="gridWidth"/>) blended in, as tightly
    /// packed BGR24, into <paramref name="output"/> (<c>Width * Height * 3</c> bytes).
    /// </summary>
    void Render(ImageView frame, ReadOnlySpan<float> grid, int gridWidth, int gridHeight, Span<byte> output);
}
