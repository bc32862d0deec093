namespace RealtimeMM.Capture;

/// <summary>Options for <c>FrameSource.Open</c>.</summary>
public sealed record FrameSourceOptions
{
    /// <summary>Pacing of recorded sources. Default: as fast as possible.</summary>
    public Pacing Pacing { get; init; } = Pacing.AsFastAsPossible;

    /// <summary>Frame rate given to image folders, whose files carry no timestamps.</summary>
    public double ImageFolderFps { get; init; } = 30;

    /// <summary>How long opening a camera or stream may take before it counts as unreachable.</summary>
    public TimeSpan OpenTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a live source may deliver nothing before it counts as dropped.</summary>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Requested camera resolution (the camera may pick the nearest it supports).</summary>
    public (int Width, int Height)? CameraSize { get; init; }

    /// <summary>The ffmpeg executable used for network streams.</summary>
    public string FfmpegPath { get; init; } = "ffmpeg";

    internal void Validate()
    {
        if (!(ImageFolderFps > 0 && double.IsFinite(ImageFolderFps)))
            throw new ArgumentOutOfRangeException(nameof(ImageFolderFps), ImageFolderFps, "image folder fps must be a positive number");
        if (OpenTimeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(OpenTimeout), OpenTimeout, "open timeout must be positive");
        if (ReadTimeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(ReadTimeout), ReadTimeout, "read timeout must be positive");
    }
}
