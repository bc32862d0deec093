namespace RealtimeMM.Replay;

/// <summary>
/// The JSON sidecar of a replay clip (<c>clip.json</c>): what the video is, and per frame its
/// timestamp and ground truth. See DESIGN.md, "Replay files".
/// </summary>
public sealed record ClipSidecar
{
    public const string FormatName = "rtmm-replay";
    public const int CurrentVersion = 1;

    public string Format { get; init; } = FormatName;
    public int Version { get; init; } = CurrentVersion;

    /// <summary>The frames: a video file or an image folder, relative to the clip folder.</summary>
    public string Video { get; init; } = "";
    public int Width { get; init; }
    public int Height { get; init; }
    public double Fps { get; init; }
    public int FrameCount { get; init; }

    /// <summary>What was recorded (a camera, a URL, "scene seed 7").</summary>
    public string? Source { get; init; }

    public FrameTruth[] Frames { get; init; } = [];
}
