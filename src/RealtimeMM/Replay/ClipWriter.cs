using OpenCvSharp;
using RealtimeMM.Capture.OpenCv;
using RealtimeMM.Frames;

namespace RealtimeMM.Replay;

/// <summary>
/// Records frames (and their ground truth, when known) into a replay clip. Everything is written
/// into a hidden folder beside the destination and moved into place by <see cref="Complete"/>;
/// a writer disposed without completing, or one that fails, leaves nothing behind. Before each
/// frame it checks the disk: when what is left would not hold the frame and the sidecar, it
/// completes the clip with the frames so far and throws <see cref="DiskFullException"/>.
/// </summary>
public sealed class ClipWriter : IDisposable
{
    const string VideoName = "frames.avi";
    const string ImagesName = "frames";

    readonly string destination;
    readonly string staging;

    /// <summary>The folder being written; it becomes the clip on <see cref="Complete"/> (files put here move with it, and go with it on failure).</summary>
    internal string Folder => staging;
    readonly ClipFormat format;
    readonly double fps;
    readonly string? sourceName;
    readonly bool overwrite;
    readonly List<FrameTruth> truths = [];
    VideoWriter? video;
    int width, height;
    TimeSpan first;
    bool done;
    long lastFrameBytes;

    ClipWriter(string destination, ClipFormat format, double fps, string? sourceName, bool overwrite)
    {
        this.destination = Path.GetFullPath(destination);
        this.format = format;
        this.fps = fps;
        this.sourceName = sourceName;
        this.overwrite = overwrite;
        var parent = Path.GetDirectoryName(this.destination)!;
        staging = Path.Combine(parent, $".{Path.GetFileName(this.destination)}.partial-{Environment.ProcessId}-{Guid.NewGuid():N}");
    }

    /// <summary>The format clips are written in unless asked otherwise: lossless and fast enough to decode beside the model.</summary>
    public const ClipFormat DefaultFormat = ClipFormat.HuffYuv;

    /// <summary>Starts a clip at <paramref name="clipFolder"/> (created by <see cref="Complete"/>).</summary>
    /// <exception cref="IOException">The destination exists (and <paramref name="overwrite"/> is false) or cannot be written.</exception>
    public static ClipWriter Create(string clipFolder, ClipFormat format = DefaultFormat, double fps = 30, string? sourceName = null, bool overwrite = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(clipFolder);
        if (!(fps > 0 && fps <= 1000))
            throw new ArgumentOutOfRangeException(nameof(fps), fps, "fps must be in (0, 1000]");
        var writer = new ClipWriter(clipFolder, format, fps, sourceName, overwrite);
        if (!overwrite && (Directory.Exists(writer.destination) || File.Exists(writer.destination)))
            throw new ClipOutputException($"{clipFolder}: already exists (choose another path or overwrite)");
        if (File.Exists(writer.destination))
            throw new ClipOutputException($"{clipFolder}: is a file, a clip is a folder");
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(writer.destination)!);
            Directory.CreateDirectory(writer.staging);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ClipOutputException($"{clipFolder}: cannot create the clip folder ({e.Message})", e);
        }
        return writer;
    }

    /// <summary>Frames appended so far.</summary>
    public int FrameCount => truths.Count;

    /// <summary>
    /// Appends a frame. Does not take ownership of <paramref name="frame"/>. Its timestamp,
    /// relative to the first frame's, becomes the clip's; <paramref name="truth"/>'s objects and
    /// questions travel into the sidecar (its index and timestamp are replaced).
    /// </summary>
    public void Append(Frame frame, FrameTruth? truth = null)
    {
        ObjectDisposedException.ThrowIf(done, this);
        ArgumentNullException.ThrowIfNull(frame);
        if (truths.Count == 0)
            Begin(frame);
        else if (frame.Width != width || frame.Height != height)
            throw new ArgumentException($"frame {frame.Index} is {frame.Width}x{frame.Height}, the clip is {width}x{height}", nameof(frame));
        var ts = frame.Timestamp - first;
        if (truths.Count > 0)
            StopIfDiskFull(frame);
        if (truths.Count > 0 && ts <= truths[^1].Timestamp)
            throw new ArgumentException($"frame {frame.Index} at {ts.TotalMilliseconds} ms is not after the previous frame ({truths[^1].TimestampMs} ms)", nameof(frame));

        using (var mat = MatFrames.Wrap(frame))
        {
            if (format == ClipFormat.Png)
            {
                var file = Path.Combine(staging, ImagesName, $"{truths.Count:D6}.png");
                if (!Cv2.ImWrite(file, mat))
                    throw new ClipOutputException($"{file}: could not write the frame (disk full or no permission?)");
                lastFrameBytes = Math.Max(lastFrameBytes, new FileInfo(file).Length);
            }
            else
            {
                var path = Path.Combine(staging, VideoName);
                long before = new FileInfo(path).Length;
                video!.Write(mat);
                lastFrameBytes = Math.Max(lastFrameBytes, new FileInfo(path).Length - before);
            }
        }
        truths.Add(new FrameTruth(truths.Count, FrameTruth.ToMilliseconds(ts), truth?.Objects, truth?.Questions));
    }

    /// <summary>Free bytes where the clip is being written, or null when the system cannot say.</summary>
    long? FreeSpace()
    {
        try
        {
            return new DriveInfo(staging).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Needed for one more frame: the largest a frame has grown the clip so far (at least a raw frame
    /// at first), its sidecar entry, and the sidecar's rewrite, with a margin. Below that, the clip is
    /// completed as it is and the caller told.
    /// </summary>
    void StopIfDiskFull(Frame frame)
    {
        if (FreeSpace() is not long free)
            return;
        long frameBytes = Math.Max(lastFrameBytes, format == ClipFormat.Png ? (long)frame.Width * frame.Height * 3 : 0);
        long needed = 2 * frameBytes + 4096L * (truths.Count + 1) + (1 << 20);
        if (free >= needed)
            return;
        int n = truths.Count;
        string clip = Complete();
        throw new DiskFullException(clip, n, free);
    }

    void Begin(Frame frame)
    {
        width = frame.Width;
        height = frame.Height;
        first = frame.Timestamp;
        if (format == ClipFormat.Png)
        {
            Directory.CreateDirectory(Path.Combine(staging, ImagesName));
            return;
        }
        MatFrames.QuietLogs();
        FourCC codec = FourCC.FromString(format switch { ClipFormat.Ffv1 => "FFV1", ClipFormat.HuffYuv => "HFYU", _ => "MJPG" });
        var path = Path.Combine(staging, VideoName);
        video = new VideoWriter(path, codec, fps, new Size(width, height));
        if (!video.IsOpened())
            throw new ClipOutputException($"{path}: cannot open a {format} video writer for {width}x{height}");
    }

    /// <summary>Writes the sidecar and moves the clip into place. Returns the clip folder.</summary>
    /// <exception cref="InvalidOperationException">No frame was appended.</exception>
    public string Complete()
    {
        ObjectDisposedException.ThrowIf(done, this);
        if (truths.Count == 0)
            throw new InvalidOperationException($"{destination}: no frames were recorded, so there is no clip to write");
        video?.Release();
        video?.Dispose();
        video = null;
        var sidecar = new ClipSidecar
        {
            Video = format == ClipFormat.Png ? ImagesName : VideoName,
            Width = width,
            Height = height,
            Fps = fps,
            FrameCount = truths.Count,
            Source = sourceName,
            Frames = truths.ToArray(),
        };
        ReplayClip.WriteSidecar(sidecar, Path.Combine(staging, ReplayClip.SidecarName));
        string? old = null;
        if (Directory.Exists(destination) && overwrite)
        {
            old = staging.Replace(".partial-", ".old-", StringComparison.Ordinal);
            Directory.Move(destination, old);
        }
        Directory.Move(staging, destination);
        if (old is not null)
            Directory.Delete(old, recursive: true);
        done = true;
        return destination;
    }

    /// <summary>Discards an uncompleted clip: nothing half-written stays on disk.</summary>
    public void Dispose()
    {
        video?.Dispose();
        video = null;
        if (!done && Directory.Exists(staging))
            Directory.Delete(staging, recursive: true);
        done = true;
    }
}
