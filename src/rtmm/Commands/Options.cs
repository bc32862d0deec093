using System.CommandLine;
using System.Globalization;
using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;
using RealtimeMM.Gpu;
using RealtimeMM.Replay;
using RealtimeMM.Scenes;
using RealtimeMM.Scenes.TestWorld;

namespace RealtimeMM.Cli.Commands;

/// <summary>Options several commands share, parsed and checked in one place.</summary>
internal static class Options
{
    /// <summary>A text file's non-empty lines, trimmed; a missing file or one without lines is a one-line error naming it and what it should hold.</summary>
    public static string[] ReadLines(string file, string what)
    {
        if (!File.Exists(file))
            throw new FileNotFoundException($"{file}: file not found");
        var lines = File.ReadAllLines(file).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
        return lines.Length > 0 ? lines : throw new UsageException($"{file}: no {what} (one per line)");
    }

    public static Option<string?> Model() => new("--model") { Description = "Model bundle folder (default: the shipped models/rtmm-tiny)" };

    public static Option<DevicePreference> Device() => new("--device") { Description = "Where preprocessing runs: Auto, Vulkan or Cpu", DefaultValueFactory = _ => DevicePreference.Auto };

    public static Option<bool> Json() => new("--json") { Description = "Print one JSON object per line" };

    public static Option<string> Size(string defaultSize) => new("--size")
    {
        Description = "Frame size WIDTHxHEIGHT",
        DefaultValueFactory = _ => defaultSize,
        CustomParser = r =>
        {
            var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : defaultSize;
            if (ParseSize(text) is null)
                r.AddError($"--size: '{text}' is not WIDTHxHEIGHT with both in 32..4096, e.g. 320x240");
            return text;
        },
    };

    public static (int W, int H)? ParseSize(string text)
    {
        var parts = text.Split('x', 'X');
        if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int w)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int h) && w is >= 32 and <= 4096 && h is >= 32 and <= 4096)
            return (w, h);
        return null;
    }

    public static Option<double> Fps(double defaultFps) => new("--fps")
    {
        Description = "Frames per second",
        DefaultValueFactory = _ => defaultFps,
        Validators = { r => { if (r.GetValueOrDefault<double>() is not (> 0 and <= 1000)) r.AddError("--fps must be in (0, 1000]"); } },
    };

    public static Option<int> Positive(string name, string description, int defaultValue) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        Validators = { r => { if (r.GetValueOrDefault<int>() <= 0) r.AddError($"{name} must be a positive number"); } },
    };

    public static Option<ClipFormat> Format() => new("--format")
    {
        Description = "How the clip stores frames: HuffYuv (lossless video, fast to decode), Ffv1 (lossless, smaller, slow to decode), Mjpeg (small, lossy) or Png (image folder)",
        DefaultValueFactory = _ => ClipWriter.DefaultFormat,
    };

    /// <summary>Which renderer draws the scenes: the training generator's, or the test world's (drawn by other code, never trained on).</summary>
    public static Option<SceneWorldRenderer> Renderer(string purpose) => new("--renderer")
    {
        Description = $"Who draws the scenes {purpose}: Generator (the one training uses) or TestWorld (drawn independently, never trained on)",
        DefaultValueFactory = _ => SceneWorldRenderer.Generator,
    };

    /// <summary>Domain randomisation for training scenes: the chance of the randomised style, and its photos.</summary>
    public static (Option<double> Rate, Option<string?> Photos) Randomise() => (
        new Option<double>("--randomise") { Description = "Chance that a scene is drawn in the randomised style (mirrored, outlined, textured objects; photo backgrounds and clutter; an occluding bar), for training", DefaultValueFactory = _ => 0,
            Validators = { r => { if (r.GetValueOrDefault<double>() is not (>= 0 and <= 1)) r.AddError("--randomise must be within 0..1"); } } },
        new Option<string?>("--photos") { Description = "Folder of photos for randomised backgrounds and clutter (opencv-doc's examples/data without vtest.avi; never a test set's photos)" });

    /// <summary>--world FILE: the world a generator draws and asks about (default: the shipped model's).</summary>
    public static Option<string?> WorldFile() => new("--world") { Description = "World file (docs/worlds.md): which classes and colors are in play and how questions are phrased (default: the shipped model's world)" };

    /// <summary>The world of --world, or the default world; one the generator cannot draw fails here, by file and field, before any output is made.</summary>
    public static World LoadWorld(string? file)
    {
        var world = file is null ? World.Default : World.Load(file);
        SceneWorld.Catalogue(world, file ?? "world");
        return world;
    }

    public static SceneFrame Render(this SceneWorldRenderer renderer, int seed, long index, SceneOptions options) => renderer switch
    {
        SceneWorldRenderer.TestWorld => TestWorldGenerator.Render(seed, index, options),
        _ => SceneGenerator.Render(seed, index, options),
    };
}

/// <summary>The two renderers of the scene world.</summary>
internal enum SceneWorldRenderer { Generator, TestWorld }
