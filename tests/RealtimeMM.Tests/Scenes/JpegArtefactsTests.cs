using OpenCvSharp;
using RealtimeMM.Scenes;

namespace RealtimeMM.Tests.Scenes;

public class JpegArtefactsTests : TestBase
{
    /// <summary>
    /// The managed lossy stages against OpenCV's real JPEG encoder and decoder: both lose about as
    /// much (PSNR to the original within 1.5 dB) and agree with each other far more closely than
    /// either agrees with the original.
    /// </summary>
    [TestCase(30)]
    [TestCase(60)]
    [TestCase(90)]
    public void RoundTrip_MatchesOpenCvJpeg(int quality)
    {
        var options = new SceneOptions { Width = 221, Height = 163 }; // not multiples of 8 or 16
        var scene = SceneGenerator.Render(5, 3, options with { CameraEffects = false });
        var managed = (byte[])scene.Bgr.Clone();
        JpegArtefacts.RoundTrip(managed, options.Width, options.Height, quality);
        var opencv = OpenCvRoundTrip(scene.Bgr, options.Width, options.Height, quality);

        double toOriginalManaged = Psnr(scene.Bgr, managed), toOriginalOpenCv = Psnr(scene.Bgr, opencv), between = Psnr(managed, opencv);
        TestContext.Out.WriteLine($"quality {quality}: PSNR to original managed {toOriginalManaged:F2} dB, OpenCV {toOriginalOpenCv:F2} dB; managed vs OpenCV {between:F2} dB");
        Assert.That(managed, Is.Not.EqualTo(scene.Bgr), "the round trip loses something");
        Assert.That(toOriginalManaged, Is.EqualTo(toOriginalOpenCv).Within(1.5));
        Assert.That(between, Is.GreaterThan(toOriginalOpenCv + 3));
    }

    [Test]
    public void RoundTrip_TinyImage_And_BadArguments()
    {
        var one = new byte[] { 10, 200, 30 };
        JpegArtefacts.RoundTrip(one, 1, 1, 75);
        Assert.That(one[1], Is.InRange(180, 220), "a flat 1x1 image stays close to its color");
        Assert.Throws<ArgumentOutOfRangeException>(() => JpegArtefacts.RoundTrip(new byte[3], 1, 1, 0));
        Assert.Throws<ArgumentException>(() => JpegArtefacts.RoundTrip(new byte[5], 2, 1, 50));
    }

    static unsafe byte[] OpenCvRoundTrip(byte[] bgr, int width, int height, int quality)
    {
        fixed (byte* p = bgr)
        {
            using var mat = Mat.FromPixelData(height, width, MatType.CV_8UC3, (nint)p, width * 3);
            Cv2.ImEncode(".jpg", mat, out var jpeg, new ImageEncodingParam(ImwriteFlags.JpegQuality, quality));
            using var decoded = Cv2.ImDecode(jpeg, ImreadModes.Color);
            var result = new byte[bgr.Length];
            decoded.GetArray(out Vec3b[] pixels);
            for (int i = 0; i < pixels.Length; i++)
                (result[3 * i], result[3 * i + 1], result[3 * i + 2]) = (pixels[i].Item0, pixels[i].Item1, pixels[i].Item2);
            return result;
        }
    }

    static double Psnr(byte[] a, byte[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
            sum += (a[i] - b[i]) * (a[i] - b[i]);
        return 10 * Math.Log10(255.0 * 255.0 / (sum / a.Length));
    }
}
