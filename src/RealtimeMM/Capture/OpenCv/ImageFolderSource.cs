using OpenCvSharp;
using RealtimeMM.Frames;

namespace RealtimeMM.Capture.OpenCv;

/// <summary>Still images in a folder, played in ordinal name order at a fixed rate.</summary>
internal sealed class ImageFolderSource : FrameSourceBase
{
    public static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"];
    readonly string[] files;
    readonly double fps;

    public ImageFolderSource(string folder, FrameSourceOptions options) : base(options.Pacing)
    {
        if (!Directory.Exists(folder))
            throw new FrameSourceException(folder, "folder not found");
        files = ListImages(folder);
        if (files.Length == 0)
            throw new FrameSourceException(folder, $"folder has no images ({string.Join(", ", Extensions)})");
        fps = options.ImageFolderFps;
        MatFrames.QuietLogs();
        using var mat = Load(files[0]);
        Info = new FrameSourceInfo(FrameSourceKind.ImageFolder, folder, mat.Cols, mat.Rows, fps, files.Length);
    }

    public override FrameSourceInfo Info { get; }

    public static string[] ListImages(string folder) =>
        Directory.GetFiles(folder)
            .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Order(StringComparer.Ordinal)
            .ToArray();

    private protected override Frame? ReadCore(long index, CancellationToken cancellationToken)
    {
        if (index >= files.Length)
            return null;
        using var mat = Load(files[index]);
        return MatFrames.ToFrame(mat, index, TimeSpan.FromSeconds(index / fps));
    }

    public static Frame LoadFrame(string file)
    {
        MatFrames.QuietLogs();
        using var mat = Load(file);
        return MatFrames.ToFrame(mat, 0, TimeSpan.Zero);
    }

    static Mat Load(string file)
    {
        var mat = Cv2.ImRead(file, ImreadModes.Color);
        if (mat.Empty())
        {
            mat.Dispose();
            throw new FrameSourceException(file, "cannot be decoded as an image (corrupt or unsupported)");
        }
        return mat;
    }

    private protected override void DisposeCore() { }
}
