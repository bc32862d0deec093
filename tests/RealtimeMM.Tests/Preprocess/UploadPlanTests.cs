using RealtimeMM.Frames;
using RealtimeMM.Preprocess;
using RealtimeMM.Tests.Gpu;

namespace RealtimeMM.Tests.Preprocess;

/// <summary>
/// The Vulkan path uploads only the bytes of a frame its kernel reads. Checked two ways: every byte
/// outside the plan is poisoned and the C# reference still gives the same tensor; and the Vulkan
/// kernel, on upload buffers that last held a different frame, still matches the reference.
/// </summary>
public class UploadPlanTests : VulkanFixture
{
    static IEnumerable<TestCaseData> Cases()
    {
        var sizes = new (int W, int H, int Pad)[] { (1920, 1080, 0), (333, 251, 7), (4097, 3, 5), (50, 40, 0) };
        foreach (var (w, h, pad) in sizes)
            foreach (var filter in Enum.GetValues<ResizeFilter>())
                foreach (var fit in Enum.GetValues<FitMode>())
                    yield return new TestCaseData(w, h, pad, filter, fit).SetName($"Plan_{w}x{h}pad{pad}_{filter}_{fit}_CoversEveryRead");
    }

    [TestCaseSource(nameof(Cases))]
    public void Plan_CoversEveryByteTheKernelReads(int w, int h, int pad, ResizeFilter filter, FitMode fit)
    {
        var spec = new PreprocessSpec { Width = 224, Height = 224, Filter = filter, Fit = fit };
        int stride = w * 3 + pad;
        var img = PreprocessTests.Image(w, h, pad);
        var plan = UploadPlan.For(w, h, stride, spec, PreprocessGeometry.For(w, h, spec));
        var poisoned = Poison(img, plan, 255);

        var expected = new float[spec.OutputLength];
        var got = new float[spec.OutputLength];
        PreprocessReference.Run(new ImageView(img, w, h, stride), spec, expected);
        PreprocessReference.Run(new ImageView(poisoned, w, h, stride), spec, got);
        Assert.That(got, Is.EqualTo(expected), "the reference read a byte outside the upload plan");

        // each upload buffer first holds the frame inverted, then the frame itself goes through it
        using var vk = new VulkanPreprocessor(Device, spec);
        int slots = Device.Options.FramesInFlight;
        var inverted = img.Select(b => (byte)(255 - b)).ToArray();
        for (int i = 0; i < slots; i++)
            vk.Run(new ImageView(inverted, w, h, stride), got);
        double worst = 0;
        for (int i = 0; i < slots; i++)
        {
            vk.Run(new ImageView(img, w, h, stride), got);
            worst = Math.Max(worst, PreprocessTests.MaxAbs(expected, got));
        }
        TestContext.Out.WriteLine($"{w}x{h} {filter} {fit}: uploads {plan.Bytes:N0} of {(long)stride * h:N0} bytes ({100.0 * plan.Bytes / ((long)stride * h):F1}%) in {plan.Runs.Length} runs; max |vulkan - reference| = {worst:E2}");
        Assert.That(worst, Is.LessThanOrEqualTo(1e-4));
    }

    [Test]
    public void Plan_1080pTo224_UploadsUnderHalfTheFrame()
    {
        var spec = new PreprocessSpec { Width = 224, Height = 224, Fit = FitMode.Stretch };
        var plan = UploadPlan.For(1920, 1080, 1920 * 3, spec, PreprocessGeometry.For(1920, 1080, spec));
        Assert.That(plan.Bytes, Is.LessThan(1920L * 3 * 1080 / 2));
        var crop = spec with { Fit = FitMode.CenterCrop };
        var cropPlan = UploadPlan.For(1920, 1080, 1920 * 3, crop, PreprocessGeometry.For(1920, 1080, crop));
        Assert.That(cropPlan.Bytes, Is.LessThan(plan.Bytes * 0.6), "a center crop reads only the middle columns");
    }

    /// <summary>A copy of the frame with every byte outside the plan's runs set to <paramref name="value"/>.</summary>
    static byte[] Poison(byte[] img, UploadPlan plan, byte value)
    {
        var poisoned = Enumerable.Repeat(value, img.Length).ToArray();
        foreach (var (offset, length) in plan.Runs)
            Array.Copy(img, offset, poisoned, offset, length);
        return poisoned;
    }
}
