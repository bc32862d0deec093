using OpenCvSharp;

namespace RealtimeMM.Capture.OpenCv;

/// <summary>Finds V4L2 capture devices.</summary>
internal static class Cameras
{
    /// <summary>The /dev/video* nodes, in number order.</summary>
    public static IReadOnlyList<string> DevicePaths() =>
        Directory.Exists("/dev")
            ? Directory.GetFiles("/dev", "video*")
                .Where(p => int.TryParse(Path.GetFileName(p).AsSpan(5), out _))
                .OrderBy(p => int.Parse(Path.GetFileName(p).AsSpan(5)))
                .ToList()
            : [];

    /// <summary>Device nodes that open as cameras and deliver a frame.</summary>
    public static IReadOnlyList<(string Device, int Width, int Height)> Probe()
    {
        MatFrames.QuietLogs();
        var result = new List<(string, int, int)>();
        foreach (var device in DevicePaths())
        {
            using var capture = new VideoCapture(device, VideoCaptureAPIs.V4L2);
            using var mat = new Mat();
            if (capture.IsOpened() && capture.Read(mat) && !mat.Empty())
                result.Add((device, mat.Cols, mat.Rows));
        }
        return result;
    }
}
