using RealtimeMM.Frames;

namespace RealtimeMM.Overlay;

public static class OverlayRendererExtensions
{
    /// <summary>A new frame (pooled; the caller owns it): <paramref name="frame"/> with the attention grid blended in.</summary>
    public static Frame Blend(this IOverlayRenderer renderer, Frame frame, ReadOnlySpan<float> grid, int gridWidth, int gridHeight)
    {
        var result = Frame.Allocate(frame.Width, frame.Height, frame.Index, frame.Timestamp);
        try
        {
            renderer.Render(frame, grid, gridWidth, gridHeight, result.Pixels);
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }
}
