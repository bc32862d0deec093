using OpenCvSharp;
using OpenCvSharp.Dnn;
using RealtimeMM.Frames;
using RealtimeMM.Gpu;
using RealtimeMM.Preprocess;
using RealtimeMM.Scenes;

namespace RealtimeMM.Cli.Bench;

/// <summary>
/// Preprocessing to 224x224 (bilinear, stretch, CLIP normalisation), every path in one run on one
/// machine: Vulkan wall (upload + dispatch + readback), Vulkan kernel (GPU timestamps), the fast
/// CPU path, the C# reference, and OpenCV's blobFromImage plus the division by std it lacks.
/// </summary>
internal static class PreprocessBench
{
    public sealed record SizeResult(string Input, IReadOnlyList<Timing.Stats> Paths, double MaxDiffVulkan, double MaxDiffCpu, double MaxDiffOpenCv)
    {
        /// <summary>Bytes of each frame the Vulkan path uploads (the rows and columns its kernel reads), and the frame's size.</summary>
        public (long Uploaded, long Frame) UploadBytes { get; init; }
    }

    public static (string Machine, string Vulkan, List<SizeResult> Sizes) Run(IEnumerable<(int W, int H)> sizes, int maxRuns, TimeSpan budget, Action<string> progress, string? dump = null)
    {
        var spec = new PreprocessSpec();
        string? noOpenCv = OpenCvMissing();
        if (noOpenCv is not null)
            progress($"warning: OpenCV's native library is not loadable here, timing without blobFromImage ({noOpenCv}); `--dump` the frames and time OpenCV's blobFromImage beside this run with tools/bench-opencv-peer.py");
        if (dump is not null)
        {
            Directory.CreateDirectory(dump);
            File.WriteAllText(Path.Combine(dump, "spec.json"), System.Text.Json.JsonSerializer.Serialize(new
            {
                width = spec.Width, height = spec.Height, mean = new[] { spec.Mean.X, spec.Mean.Y, spec.Mean.Z }, std = new[] { spec.Std.X, spec.Std.Y, spec.Std.Z },
            }));
        }
        using var device = Timing.TryVulkan(progress);
        var results = new List<SizeResult>();
        foreach (var (w, h) in sizes)
        {
            progress($"preprocess {w}x{h} -> 224x224");
            var scene = SceneGenerator.Render(1, 0, new SceneOptions { Width = w, Height = h });
            var view = new Func<ImageView>(() => new ImageView(scene.Bgr, w, h, w * 3));
            var reference = new float[spec.OutputLength];
            var output = new float[spec.OutputLength];
            var paths = new List<Timing.Stats>();

            var refStats = Timing.Measure("C# reference", () => PreprocessReference.Run(view(), spec, reference), Math.Max(5, maxRuns / 10), budget).Wall;
            if (dump is not null)
            {
                // the peer script reads these: the frame as raw BGR24 and the reference output as raw float32
                File.WriteAllBytes(Path.Combine(dump, $"frame-{w}x{h}.bgr"), scene.Bgr);
                File.WriteAllBytes(Path.Combine(dump, $"reference-{w}x{h}.f32"), System.Runtime.InteropServices.MemoryMarshal.AsBytes(reference.AsSpan()).ToArray());
            }

            double dVk = double.NaN;
            long uploaded = 0;
            if (device is not null)
            {
                // the frame in mappable device memory (the default), then in host memory read by the kernel across the bus,
                // then not copied at all (a Frame's own pooled memory imported); on a real GPU also the default with a
                // blocking fence wait instead of polling first
                var spin = device.FenceSpin;
                var variants = new List<(FrameUpload Mode, TimeSpan Spin, string Where)>
                {
                    (FrameUpload.DeviceMemory, spin, ""), (FrameUpload.HostMemory, spin, ", frame in host memory"), (FrameUpload.HostImport, spin, ", frame imported, no copy"),
                };
                if (spin > TimeSpan.Zero)
                    variants.Add((FrameUpload.DeviceMemory, TimeSpan.Zero, ", blocking fence wait"));
                foreach (var (mode, fenceSpin, where) in variants)
                {
                    device.FenceSpin = fenceSpin;
                    using var vk = new VulkanPreprocessor(device, spec, mode);
                    using var frame = Frame.CopyFrom(scene.Bgr, w, h, w * 3, 0, TimeSpan.Zero);
                    var (vkWall, vkParts) = Timing.Measure($"Vulkan upload+dispatch+readback ({device.Info.Name}{where})",
                        () => vk.Run(mode == FrameUpload.HostImport ? frame : view(), output), maxRuns, budget,
                        ($"Vulkan kernel (GPU timestamps{where})", () => vk.LastTimings.KernelMs),
                        ("  of the wall: host copy into mapped memory", () => vk.LastTimings.UploadMs),
                        ("  of the wall: readback copy", () => vk.LastTimings.ReadbackMs));
                    dVk = Math.Max(double.IsNaN(dVk) ? 0 : dVk, Timing.MaxAbsDiff(reference, output));
                    if (mode == FrameUpload.HostImport && vk.ImportedFrames == 0)
                        progress($"  {device.Info.Name} cannot import host memory: that row copied the frame as in host memory");
                    if (mode == FrameUpload.DeviceMemory)
                        uploaded = vk.UploadBytes;
                    paths.Add(vkWall);
                    paths.AddRange(vkParts);
                }
                device.FenceSpin = spin;
            }

            using var cpu = new CpuPreprocessor(spec);
            var cpuStats = Timing.Measure("fast CPU path", () => cpu.Run(view(), output), maxRuns, budget).Wall;
            double dCpu = Timing.MaxAbsDiff(reference, output);

            paths.Add(cpuStats);
            paths.Add(refStats);
            double dCv = double.NaN;
            if (noOpenCv is null)
            {
                paths.Add(TimeOpenCv(scene.Bgr, w, h, spec, output, maxRuns, budget));
                dCv = Timing.MaxAbsDiff(reference, output);
            }
            results.Add(new SizeResult($"{w}x{h}", paths, dVk, dCpu, dCv) { UploadBytes = (uploaded, (long)w * h * 3) });
        }
        return (Timing.Machine(), Timing.Describe(device), results);
    }

    public const string OpenCvPath = "OpenCV blobFromImage + std";

    static Timing.Stats TimeOpenCv(byte[] bgr, int w, int h, PreprocessSpec spec, float[] output, int maxRuns, TimeSpan budget)
    {
        using var mat = Mat.FromPixelData(h, w, MatType.CV_8UC3, bgr);
        return Timing.Measure(OpenCvPath, () => BlobFromImage(mat, spec, output), maxRuns, budget).Wall;
    }

    /// <summary>Why OpenCV's native library cannot be used here, or null when it can.</summary>
    static string? OpenCvMissing()
    {
        try
        {
            _ = Cv2.GetVersionString();
            return null;
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or BadImageFormatException)
        {
            return (e.InnerException ?? e).Message.Split('\n')[0];
        }
    }

    /// <summary>OpenCV's path: resize, BGR→RGB, scale and mean in blobFromImage, then divide each plane by std.</summary>
    static unsafe void BlobFromImage(Mat bgr, PreprocessSpec spec, float[] output)
    {
        var mean = new Scalar(spec.Mean.X * 255, spec.Mean.Y * 255, spec.Mean.Z * 255);
        using var blob = CvDnn.BlobFromImage(bgr, 1 / 255.0, new Size(spec.Width, spec.Height), mean, swapRB: true, crop: false);
        var data = new ReadOnlySpan<float>((void*)blob.Data, spec.OutputLength);
        int plane = spec.Width * spec.Height;
        float[] inv = [1 / spec.Std.X, 1 / spec.Std.Y, 1 / spec.Std.Z];
        for (int c = 0; c < 3; c++)
        {
            var src = data.Slice(c * plane, plane);
            var dst = output.AsSpan(c * plane, plane);
            var k = new System.Numerics.Vector<float>(inv[c]);
            int i = 0;
            for (; i <= plane - System.Numerics.Vector<float>.Count; i += System.Numerics.Vector<float>.Count)
                (new System.Numerics.Vector<float>(src[i..]) * k).CopyTo(dst[i..]);
            for (; i < plane; i++)
                dst[i] = src[i] * inv[c];
        }
    }
}
