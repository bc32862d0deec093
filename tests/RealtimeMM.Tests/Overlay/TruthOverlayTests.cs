using OpenCvSharp;
using RealtimeMM.Frames;
using RealtimeMM.Overlay;

namespace RealtimeMM.Tests.Overlay;

/// <summary>The overlay's text: long status and caption lines wrap so each reads whole within the frame.</summary>
public class TruthOverlayTests : TestBase
{
    const string Status = "NOT LIKE MY SCENES (in-world 0.000)  12 fps  31 ms  dropped 4  [Enter ask, Tab heatmap, Esc quit]";
    const string Answer = "please say what colour the bike is? I can't tell from this picture: it doesn't look like the scenes I know (0%)";

    [TestCase(640, 480)]
    [TestCase(320, 240)]
    [TestCase(1920, 1080)]
    public void Wrap_LongLines_EveryLineFitsTheFrameAndNoWordIsLost(int width, int height)
    {
        double scale = Math.Max(0.35, height / 600.0);
        foreach (var text in new[] { Status, Answer })
        {
            var lines = TruthOverlay.Wrap(text, scale * 1.1, width - 8);
            foreach (var line in lines)
                Assert.That(Cv2.GetTextSize(line, HersheyFonts.HersheySimplex, scale * 1.1, 3, out _).Width, Is.LessThanOrEqualTo(width - 8), line);
            Assert.That(string.Join(" ", lines), Is.EqualTo(text));
        }
    }

    [Test]
    public void Draw_LongCaptionOn640x480_NothingDrawnPastTheRightEdge()
    {
        using var frame = Frame.CopyFrom(new byte[640 * 480 * 3], 640, 480, 640 * 3, 0, TimeSpan.Zero);
        using var drawn = TruthOverlay.Draw(frame, null, Answer + "\n> what colour is the lorry_", Status);
        // the frame was black: any lit pixel in the last four columns is text that ran off the edge
        int lit = 0;
        for (int y = 0; y < 480; y++)
            for (int x = 636; x < 640; x++)
                lit += drawn.Pixels[y * drawn.Stride + x * 3 + 1] > 64 ? 1 : 0;
        Assert.That(lit, Is.Zero);
    }
}
