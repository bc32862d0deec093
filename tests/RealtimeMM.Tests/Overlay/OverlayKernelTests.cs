using RealtimeMM.Frames;
using RealtimeMM.Overlay;
using RealtimeMM.Tests.Gpu;
using RealtimeMM.Tests.Preprocess;

namespace RealtimeMM.Tests.Overlay;

/// <summary>The overlay kernel and its CPU path against the C# reference, on lavapipe with validation.</summary>
public class OverlayKernelTests : VulkanFixture
{
    static float[] Grid(int gw, int gh, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, gw * gh).Select(i => (float)(Math.Exp(-((i % gw - gw / 3.0) * (i % gw - gw / 3.0) + (i / gw - gh / 2.0) * (i / gw - gh / 2.0)) / 4) + rng.NextDouble() * 0.1)).ToArray();
    }

    static IEnumerable<TestCaseData> Cases()
    {
        yield return new TestCaseData(1, 1, 0, 1, 1, Colormap.Turbo, 0.6f);
        yield return new TestCaseData(1, 4096, 0, 7, 7, Colormap.Viridis, 0.6f);
        yield return new TestCaseData(4097, 3, 5, 14, 14, Colormap.Turbo, 1f);
        yield return new TestCaseData(640, 480, 0, 14, 14, Colormap.Turbo, 0.6f);
        yield return new TestCaseData(333, 251, 7, 3, 5, Colormap.Viridis, 0.35f);
        yield return new TestCaseData(320, 240, 0, 12, 16, Colormap.Turbo, 0f);
    }

    [TestCaseSource(nameof(Cases))]
    public void Render_MatchesReference(int w, int h, int pad, int gw, int gh, Colormap map, float alpha)
    {
        var spec = new OverlaySpec { Colormap = map, Alpha = alpha };
        var img = PreprocessTests.Image(w, h, pad);
        var grid = Grid(gw, gh, w + h);
        var expected = new byte[w * h * 3];
        OverlayReference.Render(new ImageView(img, w, h, w * 3 + pad), grid, gw, gh, spec, expected);
        var gpu = new byte[w * h * 3];
        using (var vk = new VulkanOverlayRenderer(Device, spec))
            vk.Render(new ImageView(img, w, h, w * 3 + pad), grid, gw, gh, gpu);
        var cpu = new byte[w * h * 3];
        using (var fast = new CpuOverlayRenderer(spec))
            fast.Render(new ImageView(img, w, h, w * 3 + pad), grid, gw, gh, cpu);
        var (maxGpu, countGpu) = Diff(expected, gpu);
        var (maxCpu, countCpu) = Diff(expected, cpu);
        TestContext.Out.WriteLine($"{w}x{h} (+{pad}) grid {gw}x{gh} {map} alpha {alpha}: max |vulkan - reference| = {maxGpu} levels ({countGpu} of {expected.Length} bytes differ), max |cpu - reference| = {maxCpu}");
        Assert.That(maxGpu, Is.EqualTo(0), "the shader does the reference's arithmetic with contraction disabled: bytes must match");
        Assert.That(maxCpu, Is.EqualTo(0));
        if (alpha == 0)
            Assert.That(expected, Is.EqualTo(Tight(img, w, h, pad)), "alpha 0 leaves the frame unchanged");
    }

    [Test]
    public void Render_HotSpot_IsColoredWhereTheMapPeaks()
    {
        // A 4x4 map with one hot cell: the heatmap must sit over that quarter of the frame.
        int w = 160, h = 120;
        var img = new byte[w * h * 3]; // black frame
        var grid = new float[16];
        grid[1 * 4 + 2] = 1f;          // row 1, column 2
        var outBytes = new byte[w * h * 3];
        using var vk = new VulkanOverlayRenderer(Device, new OverlaySpec { Alpha = 1f });
        vk.Render(new ImageView(img, w, h, w * 3), grid, 4, 4, outBytes);
        int bx = 0, by = 0, best = -1;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int s = outBytes[(y * w + x) * 3] + outBytes[(y * w + x) * 3 + 1] + outBytes[(y * w + x) * 3 + 2];
                if (s > best)
                    (best, bx, by) = (s, x, y);
            }
        TestContext.Out.WriteLine($"brightest pixel at ({bx}, {by})");
        Assert.That(bx / (w / 4), Is.EqualTo(2));
        Assert.That(by / (h / 4), Is.EqualTo(1));
    }

    [Test]
    public void Render_SizeChanges_Reconfigures()
    {
        using var vk = new VulkanOverlayRenderer(Device, new OverlaySpec());
        foreach (var (w, h, g) in new[] { (64, 48, 7), (64, 48, 7), (32, 32, 7), (32, 32, 3) })
        {
            var img = PreprocessTests.Image(w, h, 0);
            var grid = Grid(g, g, 1);
            var expected = new byte[w * h * 3];
            var got = new byte[w * h * 3];
            OverlayReference.Render(new ImageView(img, w, h, w * 3), grid, g, g, vk.Spec, expected);
            vk.Render(new ImageView(img, w, h, w * 3), grid, g, g, got);
            Assert.That(got, Is.EqualTo(expected));
        }
        Assert.That(vk.Reconfigurations, Is.EqualTo(2));
    }

    [TestCase(0, 4, 16, "must be within 1..4096")]
    [TestCase(4, 4, 15, "needs 16")]
    [TestCase(4, 4, -1, "value 3 is NaN")]
    public void Render_BadGrid_Throws(int gw, int gh, int length, string problem)
    {
        var grid = new float[Math.Max(length, 16)];
        if (length < 0)
            grid[3] = float.NaN;
        else
            grid = grid[..length];
        var img = new byte[8 * 8 * 3];
        using var vk = new VulkanOverlayRenderer(Device, new OverlaySpec());
        using var cpu = new CpuOverlayRenderer(new OverlaySpec());
        foreach (IOverlayRenderer r in new IOverlayRenderer[] { vk, cpu })
            Assert.That(() => r.Render(new ImageView(img, 8, 8, 24), grid, gw, gh, new byte[192]), Throws.ArgumentException.With.Message.Contains(problem), r.Device);
    }

    [Test]
    public void Render_OutputTooSmall_Throws()
    {
        using var cpu = new CpuOverlayRenderer(new OverlaySpec());
        Assert.That(() => cpu.Render(new ImageView(new byte[192], 8, 8, 24), new float[4], 2, 2, new byte[100]), Throws.ArgumentException.With.Message.Contains("needs 192"));
        Assert.That(() => new OverlaySpec { Alpha = 2 }.Validate(), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    static (int Max, int Count) Diff(byte[] a, byte[] b)
    {
        int max = 0, count = 0;
        for (int i = 0; i < a.Length; i++)
        {
            int d = Math.Abs(a[i] - b[i]);
            if (d > 0)
                count++;
            max = Math.Max(max, d);
        }
        return (max, count);
    }

    static byte[] Tight(byte[] img, int w, int h, int pad)
    {
        var t = new byte[w * h * 3];
        for (int y = 0; y < h; y++)
            Array.Copy(img, y * (w * 3 + pad), t, y * w * 3, w * 3);
        return t;
    }
}
