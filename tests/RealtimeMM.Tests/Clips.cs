using RealtimeMM.Replay;
using RealtimeMM.Scenes;

namespace RealtimeMM.Tests;

/// <summary>Small generated clips for tests (kept small: tests run on two cores).</summary>
internal static class Clips
{
    public static readonly SceneOptions Small = new() { Width = 160, Height = 120 };

    /// <summary>Renders an animated clip and records it; returns the clip folder and the rendered scenes.</summary>
    public static (string Clip, SceneFrame[] Scenes) Write(string folder, int seed = 5, int frames = 24, ClipFormat format = ClipWriter.DefaultFormat, double fps = 30, SceneOptions? options = null)
    {
        var scenes = SceneGenerator.RenderClip(seed, frames, fps, options ?? Small).ToArray();
        using var writer = ClipWriter.Create(folder, format, fps, $"test seed {seed}");
        for (int i = 0; i < scenes.Length; i++)
        {
            var ts = TimeSpan.FromSeconds(i / fps);
            using var frame = scenes[i].ToFrame(i, ts);
            writer.Append(frame, scenes[i].ToTruth(i, ts));
        }
        return (writer.Complete(), scenes);
    }

    /// <summary>An MPEG-TS file of a generated clip, for stream tests (needs Debian's ffmpeg).</summary>
    public static string WriteTs(string folder, int frames = 60)
    {
        var (clip, _) = Write(Path.Combine(folder, "src"), frames: frames);
        var ts = Path.Combine(folder, "clip.ts");
        Tools.Run("ffmpeg", $"-loglevel error -y -i {Path.Combine(clip, "frames.avi")} -c:v mpeg2video -q:v 2 -f mpegts {ts}");
        return ts;
    }
}
