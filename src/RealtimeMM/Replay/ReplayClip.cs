using System.Text.Json;
using RealtimeMM.Capture;

namespace RealtimeMM.Replay;

/// <summary>
/// Replay clips on disk: a folder holding <c>clip.json</c> (the sidecar) and the frames it names
/// (a video file or an image folder inside the clip folder).
/// </summary>
public static class ReplayClip
{
    /// <summary>The sidecar's file name inside a clip folder.</summary>
    public const string SidecarName = "clip.json";

    /// <summary>True when <paramref name="spec"/> is a clip folder or a sidecar file.</summary>
    public static bool IsClip(string spec) =>
        Directory.Exists(spec) ? File.Exists(Path.Combine(spec, SidecarName))
        : spec.EndsWith(".json", StringComparison.OrdinalIgnoreCase);

    /// <summary>The sidecar file of the clip <paramref name="spec"/> names.</summary>
    public static string SidecarPath(string spec) => Directory.Exists(spec) ? Path.Combine(spec, SidecarName) : spec;

    /// <summary>Opens a clip for frame-exact replay with its ground truth.</summary>
    /// <exception cref="ReplayFormatException">The sidecar is malformed or does not match the video.</exception>
    /// <exception cref="FrameSourceException">The clip or its video is missing or unreadable.</exception>
    public static ReplayClipSource Open(string spec, FrameSourceOptions? options = null)
    {
        var sidecarPath = SidecarPath(spec);
        var sidecar = LoadSidecar(sidecarPath);
        return new ReplayClipSource(spec, sidecarPath, sidecar, options ?? new FrameSourceOptions());
    }

    /// <summary>Reads and validates a sidecar file.</summary>
    /// <exception cref="ReplayFormatException">The file is not a valid sidecar; the message names the field.</exception>
    /// <exception cref="FrameSourceException">The file does not exist.</exception>
    public static ClipSidecar LoadSidecar(string path)
    {
        if (!File.Exists(path))
            throw new FrameSourceException(path, Directory.Exists(Path.GetDirectoryName(Path.GetFullPath(path))) ? "clip sidecar not found" : "clip not found");
        ClipSidecar? sidecar;
        try
        {
            using var stream = File.OpenRead(path);
            sidecar = JsonSerializer.Deserialize(stream, ReplayJson.Default.ClipSidecar);
        }
        catch (JsonException e)
        {
            throw new ReplayFormatException(path, $"not a valid sidecar: {e.Message}", e);
        }
        if (sidecar is null)
            throw new ReplayFormatException(path, "sidecar is null, expected an object");
        Validate(sidecar, path);
        return sidecar;
    }

    /// <summary>Writes a sidecar (used by <see cref="ClipWriter"/>).</summary>
    internal static void WriteSidecar(ClipSidecar sidecar, string path)
    {
        using var stream = File.Create(path);
        JsonSerializer.Serialize(stream, sidecar, ReplayJson.Default.ClipSidecar);
    }

    /// <summary>Checks every field; throws naming the first bad one.</summary>
    internal static void Validate(ClipSidecar s, string file)
    {
        void Fail(string problem) => throw new ReplayFormatException(file, problem);
        if (s.Format != ClipSidecar.FormatName)
            Fail($"format: expected \"{ClipSidecar.FormatName}\", got \"{s.Format}\"");
        if (s.Version != ClipSidecar.CurrentVersion)
            Fail($"version: this build reads version {ClipSidecar.CurrentVersion}, the file is version {s.Version}");
        if (string.IsNullOrWhiteSpace(s.Video))
            Fail("video: missing (the frames' file or folder inside the clip)");
        if (!IsInside(s.Video))
            Fail($"video: \"{s.Video}\" must be a plain relative path inside the clip folder");
        if (s.Width <= 0 || s.Height <= 0 || s.Width > 16384 || s.Height > 16384)
            Fail($"width/height: {s.Width}x{s.Height} is not a frame size (1..16384)");
        if (!(s.Fps > 0 && s.Fps <= 1000))
            Fail($"fps: {s.Fps} is not in (0, 1000]");
        if (s.Frames is null)
            Fail("frames: missing");
        if (s.FrameCount != s.Frames!.Length)
            Fail($"frame_count: says {s.FrameCount} but frames lists {s.Frames.Length}");
        if (s.FrameCount == 0)
            Fail("frame_count: the clip has no frames");
        double last = double.NegativeInfinity;
        for (int i = 0; i < s.Frames.Length; i++)
        {
            var f = s.Frames[i];
            if (f is null)
                Fail($"frames[{i}]: null");
            if (f!.Index != i)
                Fail($"frames[{i}].index: expected {i}, got {f.Index}");
            if (!double.IsFinite(f.TimestampMs) || f.TimestampMs < 0)
                Fail($"frames[{i}].timestamp_ms: {f.TimestampMs} is not a time >= 0");
            if (f.TimestampMs <= last)
                Fail($"frames[{i}].timestamp_ms: {f.TimestampMs} is not after frames[{i - 1}] ({last})");
            last = f.TimestampMs;
            foreach (var (o, j) in (f.Objects ?? []).Select((o, j) => (o, j)))
            {
                string at = $"frames[{i}].objects[{j}]";
                if (o is null)
                    Fail($"{at}: null");
                if (string.IsNullOrWhiteSpace(o!.Class) || string.IsNullOrWhiteSpace(o.Color))
                    Fail($"{at}: class and color are required");
                var b = o.Box;
                if (b.Width <= 0 || b.Height <= 0 || b.X < 0 || b.Y < 0 || b.Right > s.Width || b.Bottom > s.Height)
                    Fail($"{at}.box: {b} is not inside the {s.Width}x{s.Height} frame");
                if (o.Mask is { } m)
                {
                    if (m.Runs is null || m.Runs.Any(r => r < 0) || m.Runs.Sum(r => (long)r) != (long)b.Width * b.Height)
                        Fail($"{at}.mask: runs must be non-negative and cover the box's {b.Width * b.Height} pixels");
                }
            }
            foreach (var (q, j) in (f.Questions ?? []).Select((q, j) => (q, j)))
            {
                if (q is null || string.IsNullOrWhiteSpace(q.Question) || string.IsNullOrWhiteSpace(q.Answer) || string.IsNullOrWhiteSpace(q.Kind))
                    Fail($"frames[{i}].questions[{j}]: question, kind and answer are required");
            }
        }
    }

    /// <summary>A relative path that cannot leave its folder (no root, no "..", no drive).</summary>
    internal static bool IsInside(string relative)
    {
        if (Path.IsPathRooted(relative) || relative.Contains('\\') || relative.Contains(':'))
            return false;
        return relative.Split('/').All(part => part.Length > 0 && part != "." && part != "..");
    }
}
