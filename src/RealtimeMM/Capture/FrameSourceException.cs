namespace RealtimeMM.Capture;

/// <summary>
/// A frame source could not be opened or stopped delivering: missing or corrupt file, empty
/// folder, unreachable stream, absent camera, or a live source that dropped. The message names the
/// source and the problem in one line.
/// </summary>
public class FrameSourceException : IOException
{
    public FrameSourceException(string source, string problem, Exception? inner = null)
        : base($"{source}: {problem}", inner)
    {
        SourceName = source;
        Problem = problem;
    }

    /// <summary>The source as the user named it.</summary>
    public string SourceName { get; }

    /// <summary>What went wrong, without the source name.</summary>
    public string Problem { get; }
}
