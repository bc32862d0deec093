namespace RealtimeMM.Overlay;

/// <summary>Checks an attention map and prepares its values (normalised when asked) for drawing.</summary>
internal static class AttentionGrid
{
    /// <summary>Validates the grid and writes the values to draw into <paramref name="values"/>.</summary>
    public static void Prepare(ReadOnlySpan<float> grid, int gridWidth, int gridHeight, bool normalize, Span<float> values)
    {
        if (gridWidth <= 0 || gridHeight <= 0 || gridWidth > 4096 || gridHeight > 4096)
            throw new ArgumentException($"attention grid {gridWidth}x{gridHeight} must be within 1..4096 each way", nameof(grid));
        if (grid.Length < gridWidth * gridHeight)
            throw new ArgumentException($"attention grid holds {grid.Length} values, {gridWidth}x{gridHeight} needs {gridWidth * gridHeight}", nameof(grid));
        float min = float.MaxValue, max = float.MinValue;
        for (int i = 0; i < gridWidth * gridHeight; i++)
        {
            float v = grid[i];
            if (!float.IsFinite(v))
                throw new ArgumentException($"attention grid value {i} is {v}: values must be finite", nameof(grid));
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }
        float scale = normalize ? (max > min ? 1f / (max - min) : 0f) : 1f, offset = normalize ? min : 0f;
        for (int i = 0; i < gridWidth * gridHeight; i++)
            values[i] = Math.Clamp((grid[i] - offset) * scale, 0f, 1f);
    }
}
