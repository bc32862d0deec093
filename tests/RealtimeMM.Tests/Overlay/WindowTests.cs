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

/// <summary><c>rtmm live</c> in a real window: questions typed into it with xdotool become standing questions.</summary>
[Category("Window")]
public class LiveWindowTests : TestBase
{
    [Test]
    public void Live_TypedQuestion_BecomesStanding()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DISPLAY")))
            Assert.Inconclusive("no DISPLAY: run through tools/test, which starts Xvfb");
        var (clip, _) = Clips.Write(Path.Combine(Temp, "clip"), frames: 240);
        string index = Path.Combine(Temp, "live.rtmmidx");
        var rtmm = Path.Combine(AppContext.BaseDirectory, "rtmm");
        using var live = Process.Start(new ProcessStartInfo(rtmm, $"live {clip} --ask \"what color is the car\" --device Cpu --index {index}") { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stdout = live.StandardOutput.ReadToEndAsync();
        var stderr = live.StandardError.ReadToEndAsync();
        try
        {
            string? window = Tools.FindWindow("RealtimeMM live");
            Assert.That(window, Is.Not.Null.And.Not.Empty, "the live window did not appear");
            Tools.Run("xdotool", $"windowfocus --sync {window}"); // Xvfb has no window manager to activate windows
            Tools.Run("xdotool", "type --delay 40 \"is there a dog\"");
            Tools.Run("xdotool", "key Return");
            Thread.Sleep(1500);
            var png = Path.Combine(Temp, "live.png");
            Tools.Run("sh", $"-c \"xwd -root -silent | convert xwd:- {png}\"");
            TestContext.AddTestAttachment(png, "live window after typing a question");
            Tools.Run("xdotool", "key Escape");
        }
        finally
        {
            if (!live.WaitForExit(15000))
                live.Kill(true);
        }
        TestContext.Out.WriteLine(stdout.Result + stderr.Result);
        Assert.That(live.ExitCode, Is.Zero, stderr.Result);
        Assert.That(stdout.Result, Does.Contain("2 standing question(s)"));
        // --index: the frames the live view encoded, sampled into an index rtmm search reads
        var stored = System.Text.RegularExpressions.Regex.Match(stdout.Result, @"(\d+) frames indexed in");
        Assert.That(stored.Success, Is.True, stdout.Result);
        Assert.That(RealtimeMM.Search.FrameIndex.Load(index).Count, Is.EqualTo(long.Parse(stored.Groups[1].Value)).And.GreaterThan(0));
    }
}

/// <summary><c>rtmm live --alert</c>: a line when what it watches for appears.</summary>
[Category("Window")]
public class LiveAlertWindowTests : TestBase
{
    [Test]
    public void Live_Alert_RaisedForAnObjectInView()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DISPLAY")))
            Assert.Inconclusive("no DISPLAY: run through tools/test, which starts Xvfb");
        var (clip, scenes) = Clips.Write(Path.Combine(Temp, "clip"), frames: 90, options: Clips.Small with { Width = 320, Height = 240 });
        string cls = scenes.Take(10).SelectMany(s => s.Objects).GroupBy(o => o.Class).OrderByDescending(g => g.Count()).First().Key;
        var rtmm = Path.Combine(AppContext.BaseDirectory, "rtmm");
        using var live = Process.Start(new ProcessStartInfo(rtmm, $"live {clip} --alert \"a {cls}\" --frames 60 --device Cpu --json") { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stdout = live.StandardOutput.ReadToEndAsync();
        var stderr = live.StandardError.ReadToEndAsync();
        if (!live.WaitForExit(60000))
            live.Kill(true);
        TestContext.Out.WriteLine(stdout.Result + stderr.Result);
        Assert.That(live.ExitCode, Is.Zero, stderr.Result);
        var raised = stdout.Result.Split('\n').Where(l => l.Contains("\"alert\"")).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement).ToList();
        Assert.That(raised.Any(j => j.GetProperty("alert").GetString() == $"a {cls}" && j.GetProperty("state").GetString() == "raised"), Is.True, $"no alert for a {cls}");
    }
}

/// <summary><c>rtmm live --audio</c>: push-to-talk on F2 with a WAV file played as the microphone.</summary>
[Category("Window")]
public class LiveSpeechWindowTests : TestBase
{
    [Test]
    public void Live_PushToTalk_SpokenQuestionBecomesStanding()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DISPLAY")))
            Assert.Inconclusive("no DISPLAY: run through tools/test, which starts Xvfb");
        var (clip, _) = Clips.Write(Path.Combine(Temp, "clip"), frames: 600);
        // the question starts 9 s into the "microphone", after the window is up and F2 is down (a slow host
        // with the 192-pixel model took over 4 s to bring the window up); the microphone starts when the
        // recogniser has loaded, up to a few seconds after the window, so F2 is released at 15 s and the
        // file runs on 8 s past the question (its end stops the listener)
        string raw = Path.Combine(Temp, "raw.wav"), wav = Path.Combine(Temp, "mic.wav");
        Tools.Run("espeak-ng", $"-v en-us -w \"{raw}\" \"how many cars are there\"");
        Tools.Run("sox", $"\"{raw}\" \"{wav}\" pad 9 8");
        var rtmm = Path.Combine(AppContext.BaseDirectory, "rtmm");
        using var live = Process.Start(new ProcessStartInfo(rtmm, $"live {clip} --audio \"{wav}\" --device Cpu --json") { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stdout = live.StandardOutput.ReadToEndAsync();
        var stderr = live.StandardError.ReadToEndAsync();
        var clock = Stopwatch.StartNew();
        try
        {
            string? window = Tools.FindWindow("RealtimeMM live", timeoutMs: 8000);
            Assert.That(window, Is.Not.Null.And.Not.Empty, "the live window did not appear");
            TestContext.Out.WriteLine($"window up after {clock.Elapsed.TotalSeconds:F1} s");
            Assert.That(clock.Elapsed.TotalSeconds, Is.LessThan(8.5), "the window came up too late for the spoken question");
            Tools.Run("xdotool", $"windowfocus --sync {window}");
            Tools.Run("xdotool", "key F2");
            Thread.Sleep(Math.Max(0, 15000 - (int)clock.ElapsedMilliseconds)); // the question is over 10.5 s after the microphone starts
            Tools.Run("xdotool", "key F2");
            Thread.Sleep(2000);
            var png = Path.Combine(Temp, "live-speech.png");
            Tools.Run("sh", $"-c \"xwd -root -silent | convert xwd:- {png}\"");
            TestContext.AddTestAttachment(png, "live window after a spoken question");
            Tools.Run("xdotool", "key Escape");
        }
        finally
        {
            if (!live.WaitForExit(15000))
                live.Kill(true);
        }
        TestContext.Out.WriteLine(stderr.Result + string.Join("\n", stdout.Result.Split('\n').Where(l => l.Contains("heard") || l.Contains("standing"))));
        Assert.That(live.ExitCode, Is.Zero, stderr.Result);
        Assert.That(stdout.Result, Does.Contain("\"heard\":\"how many cars are there\""));
        Assert.That(stdout.Result, Does.Contain("\"query\":\"how many cars are there\""), "the spoken question is answered on the next frames");
        Assert.That(stdout.Result, Does.Contain("1 standing question(s)"));
    }
}


/// <summary><c>rtmm live --vocabulary</c>: drag a box in the window, type a name, and the live answers use it.</summary>
[Category("Window")]
public class LiveTeachWindowTests : TestBase
{
    [Test]
    public void Live_DragABoxAndName_TeachesIt()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DISPLAY")))
            Assert.Inconclusive("no DISPLAY: run through tools/test, which starts Xvfb");
        // a street camera's frames, played as a folder of images (about 10 s at the folder's rate)
        string folder = Path.Combine(Temp, "frames");
        Directory.CreateDirectory(folder);
        var footage = Path.Combine(Tools.RepositoryRoot(), "tests", "data", "real-footage");
        var files = new[] { "vtest-010.jpg", "vtest-130.jpg", "vtest-150.jpg", "vtest-170.jpg" };
        for (int i = 0; i < 300; i++)
            File.CreateSymbolicLink(Path.Combine(folder, $"{i:D4}.jpg"), Path.Combine(footage, files[i % files.Length]));
        string vocabulary = Path.Combine(Temp, "names.vocab");
        var rtmm = Path.Combine(AppContext.BaseDirectory, "rtmm");
        using var live = Process.Start(new ProcessStartInfo(rtmm, $"live {folder} --ask \"what color is the van\" --vocabulary {vocabulary} --device Cpu --json")
            { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stdout = live.StandardOutput.ReadToEndAsync();
        var stderr = live.StandardError.ReadToEndAsync();
        try
        {
            string? window = Tools.FindWindow("RealtimeMM live", 30_000);
            Assert.That(window, Is.Not.Null.And.Not.Empty, "the live window did not appear");
            Tools.Run("xdotool", $"windowfocus --sync {window}");
            Thread.Sleep(500);
            // drag around the parked van (it stands still in every frame), then name it
            Tools.Run("xdotool", $"mousemove --window {window} 652 44 mousedown 1 mousemove --window {window} 690 70 mousemove --window {window} 725 100 mouseup 1");
            Thread.Sleep(500);
            Tools.Run("xdotool", "type --delay 40 \"van\"");
            Tools.Run("xdotool", "key Return");
            Thread.Sleep(2500);
            var png = Path.Combine(Temp, "live-teach.png");
            Tools.Run("sh", $"-c \"xwd -root -silent | convert xwd:- {png}\"");
            TestContext.AddTestAttachment(png, "live window after teaching 'van'");
            Tools.Run("xdotool", "key Escape");
        }
        finally
        {
            if (!live.WaitForExit(20000))
                live.Kill(true);
        }
        Assert.That(live.ExitCode, Is.Zero, stderr.Result);
        Assert.That(stdout.Result, Does.Contain("live: taught 'van' (1 example(s)) from frame"));
        var taught = RealtimeMM.Teaching.TaughtVocabulary.Open(vocabulary, new RealtimeMM.Features.ImageFeatureOptions().Name, 256);
        var box = taught.ExamplesOf("van").Single().Box;
        Assert.That((box.X, box.Y, box.Width, box.Height), Is.EqualTo((652f, 44f, 73f, 56f)).Within(2f), "the box as dragged, in frame pixels");
        // after teaching, the standing question is answered from the example: white
        var answers = stdout.Result.Split('\n').Where(l => l.StartsWith('{')).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement).ToList();
        var fromExample = answers.Where(a => a.GetProperty("answerer").GetString() == "taught-examples").ToList();
        Assert.That(fromExample, Is.Not.Empty, "no answer came from the taught example");
        Assert.That(fromExample.Select(a => a.GetProperty("answer").GetString()), Is.All.EqualTo("white"));
    }
}
