namespace RealtimeMM.Replay;

/// <summary>
/// Recording stopped because the disk was nearly full. The frames recorded before it were written
/// out as a complete, readable clip at <see cref="ClipFolder"/> (<see cref="Frames"/> of them).
/// </summary>
public sealed class DiskFullException(string clipFolder, int frames, long freeBytes)
    : IOException($"{clipFolder}: the disk is nearly full ({freeBytes:N0} bytes free): recording stopped after {frames} frame(s); the clip so far is complete and readable")
{
    public string ClipFolder { get; } = clipFolder;
    public int Frames { get; } = frames;
}
