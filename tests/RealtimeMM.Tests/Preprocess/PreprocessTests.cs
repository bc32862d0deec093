using RealtimeMM.Frames;
using RealtimeMM.Gpu;
using RealtimeMM.Preprocess;
using RealtimeMM.Tests.Gpu;

namespace RealtimeMM.Tests.Preprocess;

/// <summary>
/// The Vulkan kernel and the fast CPU path against the C# reference, on lavapipe with validation:
/// every filter, fit and element type, odd sizes and padded strides. Max differences are printed.
/// </summary>
public class PreprocessTests : VulkanFixture
{
    /// <summary>A deterministic test image: gradients, texture and noise, with <paramref name="pad"/> bytes after each row.</summary>
    internal static byte[] Image(int w, int h, int pad, int seed = 1)
    {
        var rng = new Random(seed);
        int stride = w * 3 + pad;
        var img = new byte[stride * h];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int i = y * stride + x * 3;
                img[i] = (byte)Math.Clamp(x * 255 / Math.Max(w, 1) + rng.Next(-30, 31), 0, 255);
                img[i + 1] = (byte)Math.Clamp(y * 255 / Math.Max(h, 1) + rng.Next(-30, 31), 0, 255);
                img[i + 2] = (byte)Math.Clamp(128 + 100 * Math.Sin(x * 0.3) * Math.Cos(y * 0.2) + rng.Next(-30, 31), 0, 255);
            }
        for (int y = 0; y < h; y++)
            for (int p = 0; p < pad; p++)
                img[y * stride + w * 3 + p] = 0xEE; // padding must never be read
        return img;
    }

    static IEnumerable<TestCaseData> Cases()
    {
        var sizes = new (int W, int H, int Pad)[] { (1, 1, 0), (1, 4096, 0), (4097, 3, 5), (640, 480, 0), (333, 251, 7), (1920, 1080, 0) };
        foreach (var (w, h, pad) in sizes)
            foreach (var filter in Enum.GetValues<ResizeFilter>())
                foreach (var fit in Enum.GetValues<FitMode>())
                    yield return new TestCaseData(w, h, pad, filter, fit, 224, 224).SetName($"Run_{w}x{h}pad{pad}_{filter}_{fit}_MatchesReference");
        yield return new TestCaseData(640, 480, 3, ResizeFilter.Area, FitMode.Letterbox, 97, 61).SetName("Run_640x480_To97x61_Letterbox_MatchesReference");
        yield return new TestCaseData(50, 40, 0, ResizeFilter.Bilinear, FitMode.CenterCrop, 224, 224).SetName("Run_Upscale50x40_CenterCrop_MatchesReference");
    }

    [TestCaseSource(nameof(Cases))]
    public void Run_Float32(int w, int h, int pad, ResizeFilter filter, FitMode fit, int outW, int outH)
    {
        var spec = new PreprocessSpec { Width = outW, Height = outH, Filter = filter, Fit = fit };
        var img = Image(w, h, pad);
        var view = new ImageView(img, w, h, w * 3 + pad);
        var expected = new float[spec.OutputLength];
        PreprocessReference.Run(view, spec, expected);

        var gpu = new float[spec.OutputLength];
        using (var vk = new VulkanPreprocessor(Device, spec))
            vk.Run(new ImageView(img, w, h, w * 3 + pad), gpu);
        var cpu = new float[spec.OutputLength];
        using (var fast = new CpuPreprocessor(spec))
            fast.Run(new ImageView(img, w, h, w * 3 + pad), cpu);

        double dGpu = MaxAbs(expected, gpu), dCpu = MaxAbs(expected, cpu);
        TestContext.Out.WriteLine($"{w}x{h} (+{pad}) -> {outW}x{outH} {filter} {fit}: max |vulkan - reference| = {dGpu:E2}, max |cpu - reference| = {dCpu:E2}");
        Assert.That(expected.All(float.IsFinite), Is.True);
        Assert.That(dGpu, Is.LessThanOrEqualTo(1e-4));
        Assert.That(dCpu, Is.LessThanOrEqualTo(1e-4));
    }

    [TestCase(640, 480, 0, ResizeFilter.Bilinear, FitMode.Stretch, 224, 224)]
    [TestCase(333, 251, 7, ResizeFilter.Area, FitMode.Letterbox, 97, 61)] // 3*97*61 is odd: the last pair is half empty
    [TestCase(1, 1, 0, ResizeFilter.Area, FitMode.CenterCrop, 1, 1)]
    public void Run_Float16_WithinOneHalfUlpOfReference(int w, int h, int pad, ResizeFilter filter, FitMode fit, int outW, int outH)
    {
        var spec = new PreprocessSpec { Width = outW, Height = outH, Filter = filter, Fit = fit, Element = TensorElement.Float16 };
        var img = Image(w, h, pad);
        var reference = new float[spec.OutputLength];
        PreprocessReference.Run(new ImageView(img, w, h, w * 3 + pad), spec with { Element = TensorElement.Float32 }, reference);
        var gpu = new Half[spec.OutputLength];
        using (var vk = new VulkanPreprocessor(Device, spec))
            vk.Run(new ImageView(img, w, h, w * 3 + pad), gpu);
        var cpu = new Half[spec.OutputLength];
        using (var fast = new CpuPreprocessor(spec))
            fast.Run(new ImageView(img, w, h, w * 3 + pad), cpu);
        // Rounding to half costs up to one half-precision ulp; float32 differences (1e-6) come on top,
        // which matter only near zero where half ulps are tiny.
        double worstGpu = 0, worstCpu = 0, worstAbs = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            double ulp = HalfUlp(reference[i]);
            worstGpu = Math.Max(worstGpu, (Math.Abs((float)gpu[i] - reference[i]) - 2e-6) / ulp);
            worstCpu = Math.Max(worstCpu, (Math.Abs((float)cpu[i] - reference[i]) - 2e-6) / ulp);
            worstAbs = Math.Max(worstAbs, Math.Abs((float)gpu[i] - reference[i]));
        }
        TestContext.Out.WriteLine($"float16 {w}x{h} -> {outW}x{outH}: max |vulkan - reference| = {worstAbs:E2}; beyond 2e-6: {worstGpu:F2} half ulps (vulkan), {worstCpu:F2} (cpu)");
        Assert.That(worstGpu, Is.LessThanOrEqualTo(1.0));
        Assert.That(worstCpu, Is.LessThanOrEqualTo(1.0));
    }

    static double HalfUlp(float v)
    {
        var h = (Half)Math.Abs(v);
        return Math.Max((double)BitConverter.UInt16BitsToHalf((ushort)(BitConverter.HalfToUInt16Bits(h) + 1)) - (double)h, 6e-8);
    }

    [TestCase(FrameUpload.DeviceMemory)]
    [TestCase(FrameUpload.HostMemory)]
    public void Run_SizeChangesBetweenFrames_ReconfiguresAndStaysRight(FrameUpload upload)
    {
        var spec = new PreprocessSpec();
        using var vk = new VulkanPreprocessor(Device, spec, upload);
        Assert.That(vk.Upload, Is.EqualTo(upload));
        using var cpu = new CpuPreprocessor(spec);
        var got = new float[spec.OutputLength];
        var expected = new float[spec.OutputLength];
        foreach (var (w, h) in new[] { (320, 240), (320, 240), (64, 48), (320, 240) })
        {
            var img = Image(w, h, 0, seed: w + h);
            PreprocessReference.Run(new ImageView(img, w, h, w * 3), spec, expected);
            vk.Run(new ImageView(img, w, h, w * 3), got);
            TestContext.Out.WriteLine($"{w}x{h}, frame in {upload}: max |vulkan - reference| {MaxAbs(expected, got):E2}");
            Assert.That(MaxAbs(expected, got), Is.LessThanOrEqualTo(1e-4));
            cpu.Run(new ImageView(img, w, h, w * 3), got);
            Assert.That(MaxAbs(expected, got), Is.LessThanOrEqualTo(1e-4));
        }
        Assert.That((vk.Reconfigurations, cpu.Reconfigurations), Is.EqualTo((2, 2)));
    }

    [Test]
    public void Run_HostImport_FramesReadInPlace_OtherPixelsCopied_OldestImportDropped()
    {
        // VK_EXT_external_memory_host (lavapipe has it): a Frame's pooled, pinned array is imported once and the
        // kernel reads it where it is; odd sizes put the frame at any offset in its first page
        Assert.That(Device.HostImportAlignment, Is.GreaterThan(0UL), "lavapipe imports host memory");
        var spec = new PreprocessSpec();
        long buffersBefore = Device.LiveBuffers;
        var expected = new float[spec.OutputLength];
        var got = new float[spec.OutputLength];
        var vk = new VulkanPreprocessor(Device, spec, FrameUpload.HostImport);
        var held = new List<Frame>();
        try
        {
            double worst = 0;
            void Check(Frame frame, string what)
            {
                PreprocessReference.Run(frame, spec, expected);
                vk.Run(frame, got);
                worst = Math.Max(worst, MaxAbs(expected, got));
                Assert.That(MaxAbs(expected, got), Is.LessThanOrEqualTo(1e-4), what);
                Assert.That(vk.UploadBytes, Is.Zero, $"{what}: nothing copied");
            }
            int n = 0;
            foreach (var (w, h) in new[] { (1, 1), (4097, 3), (333, 251), (640, 480) })
            {
                using var frame = Frame.CopyFrom(Image(w, h, 0, seed: w), w, h, w * 3, 0, TimeSpan.Zero);
                Check(frame, $"{w}x{h}");
                n++;
            }
            // a new frame in a reused pool array, with new pixels: the import is reused and reads them
            for (int i = 0; i < 3; i++)
            {
                using var frame = Frame.CopyFrom(Image(640, 480, 0, seed: 100 + i), 640, 480, 640 * 3, i, TimeSpan.Zero);
                Check(frame, $"640x480 again, frame {i}");
                n++;
            }
            Assert.That(vk.ImportedFrames, Is.EqualTo(n));
            Assert.That(vk.ImportedBuffers, Is.LessThanOrEqualTo(5), "a reused array is imported once");
            // more live frames than the cache holds: the least recently used import goes, every answer stays right
            for (int i = 0; i < VulkanPreprocessor.ImportCacheSize + 3; i++)
            {
                held.Add(Frame.CopyFrom(Image(96, 64, 0, seed: 200 + i), 96, 64, 96 * 3, i, TimeSpan.Zero));
                Check(held[^1], $"held frame {i}");
            }
            Check(held[0], "the first held frame again, imported anew");
            Assert.That(vk.ImportedBuffers, Is.EqualTo(VulkanPreprocessor.ImportCacheSize));
            // pixels that are not a Frame's are copied, as in HostMemory
            var img = Image(320, 240, 4, seed: 3);
            PreprocessReference.Run(new ImageView(img, 320, 240, 320 * 3 + 4), spec, expected);
            vk.Run(new ImageView(img, 320, 240, 320 * 3 + 4), got);
            Assert.That(MaxAbs(expected, got), Is.LessThanOrEqualTo(1e-4));
            Assert.That(vk.UploadBytes, Is.GreaterThan(0));
            TestContext.Out.WriteLine($"{vk.ImportedFrames} frames read in place ({vk.ImportedBuffers} buffers imported now, alignment {Device.HostImportAlignment} B): " +
                $"max |vulkan - reference| {worst:E2}; a plain pixel span copied {vk.UploadBytes} bytes");
        }
        finally
        {
            vk.Dispose();
            held.ForEach(f => f.Dispose());
        }
        Assert.That(Device.LiveBuffers, Is.EqualTo(buffersBefore), "imports released with the preprocessor");
    }

    [Test]
    public void Run_FenceWaitPollsFirst_SameResult()
    {
        // the wait polls the fence (as on a real GPU) for long enough to see lavapipe finish, then blocks
        var spin = Device.FenceSpin;
        Assert.That(spin, Is.EqualTo(TimeSpan.Zero), "no polling on a CPU implementation by default");
        try
        {
            var spec = new PreprocessSpec();
            using var vk = new VulkanPreprocessor(Device, spec);
            var got = new float[spec.OutputLength];
            var expected = new float[spec.OutputLength];
            foreach (var polling in new[] { TimeSpan.FromSeconds(5), TimeSpan.FromTicks(1) })
            {
                Device.FenceSpin = polling;
                var img = Image(320, 240, 0, seed: 9);
                PreprocessReference.Run(new ImageView(img, 320, 240, 960), spec, expected);
                vk.Run(new ImageView(img, 320, 240, 960), got);
                Assert.That(MaxAbs(expected, got), Is.LessThanOrEqualTo(1e-4), $"polling {polling}");
            }
        }
        finally
        {
            Device.FenceSpin = spin;
        }
    }

    [Test]
    public void Submit_SeveralFramesInFlight_EachGetsItsOwnResult()
    {
        var spec = new PreprocessSpec { Width = 64, Height = 64 };
        using var vk = new VulkanPreprocessor(Device, spec);
        var imgs = Enumerable.Range(0, 2).Select(i => Image(128, 96, 0, seed: 10 + i)).ToArray();
        int a = vk.Submit(new ImageView(imgs[0], 128, 96, 384));
        int b = vk.Submit(new ImageView(imgs[1], 128, 96, 384));
        Assert.That(a, Is.Not.EqualTo(b));
        var got = new float[spec.OutputLength];
        var expected = new float[spec.OutputLength];
        vk.Complete(b, got);
        PreprocessReference.Run(new ImageView(imgs[1], 128, 96, 384), spec, expected);
        Assert.That(MaxAbs(expected, got), Is.LessThanOrEqualTo(1e-4));
        vk.Complete(a, got);
        PreprocessReference.Run(new ImageView(imgs[0], 128, 96, 384), spec, expected);
        Assert.That(MaxAbs(expected, got), Is.LessThanOrEqualTo(1e-4));
        TestContext.Out.WriteLine($"last frame: upload {vk.LastTimings.UploadMs:F3} ms, kernel {vk.LastTimings.KernelMs:F3} ms, total {vk.LastTimings.TotalMs:F3} ms");
    }

    [Test]
    public void Run_Frame_SameAsItsPixels()
    {
        var scene = RealtimeMM.Scenes.SceneGenerator.Render(3, 0);
        using var frame = scene.ToFrame(0, TimeSpan.Zero);
        var spec = new PreprocessSpec();
        var expected = new float[spec.OutputLength];
        PreprocessReference.Run(new ImageView(scene.Bgr, scene.Width, scene.Height, scene.Width * 3), spec, expected);
        var got = new float[spec.OutputLength];
        using var vk = new VulkanPreprocessor(Device, spec);
        vk.Run(frame, got);
        Assert.That(MaxAbs(expected, got), Is.LessThanOrEqualTo(1e-4));
    }

    // ---- bad input

    [TestCase(0, 10, 30, 3, "both dimensions must be positive")]
    [TestCase(10, 0, 30, 3, "both dimensions must be positive")]
    [TestCase(10, 10, 40, 4, "has 4 channels")]
    [TestCase(10, 10, 20, 3, "stride 20 is less than width*3 = 30")]
    [TestCase(10, 10, 30, 3, "needs 300")]
    public void Run_BadImage_ThrowsNamingTheProblem(int w, int h, int stride, int channels, string problem)
    {
        var spec = new PreprocessSpec { Width = 8, Height = 8 };
        var bytes = new byte[w == 10 && h == 10 && stride == 30 ? 100 : 400];
        var output = new float[spec.OutputLength];
        using var vk = new VulkanPreprocessor(Device, spec);
        using var cpu = new CpuPreprocessor(spec);
        foreach (IPreprocessor p in new IPreprocessor[] { vk, cpu })
            Assert.That(() => p.Run(new ImageView(bytes, w, h, stride, channels), output), Throws.ArgumentException.With.Message.Contains(problem), p.Device);
        Assert.That(() => PreprocessReference.Run(new ImageView(bytes, w, h, stride, channels), spec, output), Throws.ArgumentException.With.Message.Contains(problem));
    }

    [Test]
    public void Run_WrongOutputType_Throws()
    {
        using var vk = new VulkanPreprocessor(Device, new PreprocessSpec { Width = 8, Height = 8 });
        var img = Image(16, 16, 0);
        Assert.That(() => vk.Run(new ImageView(img, 16, 16, 48), new Half[192]), Throws.InvalidOperationException.With.Message.Contains("Span<float>"));
        Assert.That(() => vk.Run(new ImageView(img, 16, 16, 48), new float[10]), Throws.ArgumentException.With.Message.Contains("needs 192"));
    }

    [Test]
    public void Create_Auto_OnLavapipeOnly_PicksTheCpuPath()
    {
        var warnings = new List<string>();
        using var p = Preprocessors.Create(new PreprocessSpec(), DevicePreference.Auto, warn: warnings.Add);
        Assert.That(p.Device, Is.EqualTo("cpu"));
        Assert.That(warnings, Is.Empty, "lavapipe present: CPU by policy, not for want of Vulkan");
        using var forced = Preprocessors.Create(new PreprocessSpec(), DevicePreference.Vulkan, Device);
        Assert.That(forced.Device, Does.StartWith("vulkan:llvmpipe"));
    }

    internal static double MaxAbs(float[] a, float[] b)
    {
        double m = 0;
        for (int i = 0; i < a.Length; i++)
            m = Math.Max(m, Math.Abs(a[i] - b[i]));
        return m;
    }
}
