namespace RealtimeMM.Replay;

/// <summary>
/// A replay clip's sidecar is malformed or does not match its video. The message names the file
/// and the field, e.g. <c>clip.json: frames[3].timestamp_ms: 20 is not after frames[2] (40)</c>.
/// </summary>
public class ReplayFormatException : FormatException
{
    public ReplayFormatException(string file, string problem, Exception? inner = null)
        : base($"{file}: {problem}", inner)
    {
        FileName = file;
        Problem = problem;
    }

    /// <summary>The sidecar or video file at fault.</summary>
    public string FileName { get; }

    /// <summary>What is wrong, without the file name.</summary>
    public string Problem { get; }
}
