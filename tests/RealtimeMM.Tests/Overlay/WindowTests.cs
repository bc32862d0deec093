using System.Diagnostics;

namespace RealtimeMM.Tests.Overlay;

/// <summary>
/// A real HighGUI window: <c>rtmm replay --window</c> runs as its own process on the X display
/// (Xvfb under the README's test command) and the screen is captured with xwd while it plays.
/// </summary>
[Category("Window")]
public class WindowTests : TestBase
{
    [Test]
    public void ReplayWindow_WhilePlaying_ScreenShowsTheClip()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DISPLAY")))
            Assert.Inconclusive("no DISPLAY: run through tools/test, which starts Xvfb");
        var (clip, scenes) = Clips.Write(Path.Combine(Temp, "clip"), frames: 90);
        var rtmm = Path.Combine(AppContext.BaseDirectory, "rtmm");
        using var player = Process.Start(new ProcessStartInfo(rtmm, $"replay {clip} --window") { RedirectStandardOutput = true, RedirectStandardError = true })!;
        try
        {
            // The clip plays for 3 s in real time: capture the screen in the middle.
            Thread.Sleep(1500);
            Assert.That(player.HasExited, Is.False, () => $"rtmm exited early: {player.StandardError.ReadToEnd()}");
            var png = Path.Combine(Temp, "screen.png");
            Tools.Run("sh", $"-c \"xwd -root -silent | convert xwd:- {png}\"");
            TestContext.AddTestAttachment(png, "screen while replaying");
            var (lit, mean) = ScreenStats(png);
            double clipMean = scenes.Average(s => s.Bgr.Average(b => (double)b));
            TestContext.Out.WriteLine($"lit pixels {lit} (frame is {160 * 120}), mean level {mean:F1}, clip mean {clipMean:F1}");
            Assert.That(lit, Is.GreaterThanOrEqualTo(160 * 120 * 0.9), "the window should show a 160x120 frame");
            Assert.That(mean, Is.EqualTo(clipMean).Within(30), "what is lit should look like the clip");
        }
        finally
        {
            if (!player.WaitForExit(15000))
                player.Kill(true);
        }
        Assert.That(player.ExitCode, Is.Zero, player.StandardError.ReadToEnd());
    }

    /// <summary>Pixels that are not the black root window, and their mean level.</summary>
    static (int Lit, double Mean) ScreenStats(string png)
    {
        using var mat = OpenCvSharp.Cv2.ImRead(png, OpenCvSharp.ImreadModes.Color);
        Assert.That(mat.Empty(), Is.False, "screenshot could not be read");
        int lit = 0;
        double sum = 0;
        int rows = mat.Rows, cols = mat.Cols;
        for (int y = 0; y < rows; y++)
            for (int x = 0; x < cols; x++)
            {
                var p = mat.At<OpenCvSharp.Vec3b>(y, x);
                int s = p.Item0 + p.Item1 + p.Item2;
                if (s <= 6)
                    continue;
                lit++;
                sum += s / 3.0;
            }
        return (lit, lit == 0 ? 0 : sum / lit);
    }
}
