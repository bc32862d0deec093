namespace RealtimeMM.Teaching;

/// <summary>How much each cell of a frame's grid looks like a named thing, row by row; cell (r, c) covers [c, c + 1) x [r, r + 1) cells of the frame.</summary>
internal sealed record ScoreGrid(int Rows, int Columns, int FrameWidth, int FrameHeight, float[] Score)
{
    public double CellWidth => (double)FrameWidth / Columns;
    public double CellHeight => (double)FrameHeight / Rows;
}
