using System.Diagnostics;
using RealtimeMM.Frames;
using RealtimeMM.Replay;

namespace RealtimeMM.Tests.Replay;

/// <summary>Recording onto a disk that fills up: a real 4 MB tmpfs (needs root to mount; inconclusive without).</summary>
public class DiskFullTests : TestBase
{
    string? mount;

    [SetUp]
    public void MountSmallDisk()
    {
        mount = Path.Combine(Temp, "small");
        Directory.CreateDirectory(mount);
        using var p = Process.Start(new ProcessStartInfo("mount", $"-t tmpfs -o size=4m tmpfs \"{mount}\"") { RedirectStandardError = true })!;
        string error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            mount = null;
            Assert.Inconclusive($"cannot mount a small tmpfs here ({error.Trim()}): the disk-full test needs root");
        }
    }

    [TearDown]
    public void Unmount()
    {
        if (mount is not null)
            Process.Start("umount", $"\"{mount}\"")!.WaitForExit();
    }

    [TestCase(ClipFormat.HuffYuv)]
    [TestCase(ClipFormat.Ffv1)]
    [TestCase(ClipFormat.Png)]
    public void Append_DiskFills_StopsWithTheClipSoFarCompleteAndReadable(ClipFormat format)
    {
        var rng = new Random(3);
        var noise = new byte[320 * 240 * 3]; // noise does not compress: ~230 KB a frame
        string clip = Path.Combine(mount!, "clip");
        DiskFullException? stopped = null;
        using (var writer = ClipWriter.Create(clip, format))
        {
            for (int i = 0; i < 1000 && stopped is null; i++)
            {
                rng.NextBytes(noise);
                using var frame = Frame.CopyFrom(noise, 320, 240, 320 * 3, i, TimeSpan.FromSeconds(i / 30.0));
                try
                {
                    writer.Append(frame);
                }
                catch (DiskFullException e)
                {
                    stopped = e;
                }
            }
        }
        Assert.That(stopped, Is.Not.Null, "4 MB cannot hold 1000 noise frames: recording should have stopped");
        TestContext.Out.WriteLine(stopped!.Message);
        Assert.That(stopped.Frames, Is.GreaterThan(3));
        Assert.That(stopped.ClipFolder, Is.EqualTo(clip));
        using var replay = ReplayClip.Open(clip);
        int read = 0;
        while (replay.Read() is { } f)
            using (f)
                read++;
        Assert.That(read, Is.EqualTo(stopped.Frames));
        Assert.That(Directory.GetDirectories(mount!, ".*"), Is.Empty, "no staging folder left behind");
    }
}
