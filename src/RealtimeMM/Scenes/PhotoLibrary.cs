using OpenCvSharp;

namespace RealtimeMM.Scenes;

/// <summary>
/// Photos for domain randomisation in training scenes (backgrounds and clutter that is not an
/// object of the world): decoded once from a folder of .jpg and .png files, BGR24. Only photos
/// that no test set uses belong here (opencv-doc's examples/data without vtest.avi; never the
/// darknet or scikit-image photos, which test the in-world flag on real pictures).
/// </summary>
public sealed class PhotoLibrary
{
    readonly (byte[] Bgr, int Width, int Height)[] photos;

    PhotoLibrary((byte[], int, int)[] photos) => this.photos = photos;

    /// <summary>Loads every .jpg and .png in <paramref name="folder"/>; a folder without any is an error naming it.</summary>
    public static PhotoLibrary Load(string folder)
    {
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"{folder}: photo folder not found");
        var files = Directory.EnumerateFiles(folder).Where(f => f.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal).ToArray();
        var loaded = new List<(byte[], int, int)>();
        foreach (var f in files)
        {
            using var m = Cv2.ImRead(f, ImreadModes.Color);
            if (m.Empty() || m.Width < 16 || m.Height < 16)
                continue;
            var bgr = new byte[m.Width * m.Height * 3];
            using (var packed = m.Clone()) // continuous
                System.Runtime.InteropServices.Marshal.Copy(packed.Data, bgr, 0, bgr.Length);
            loaded.Add((bgr, m.Width, m.Height));
        }
        return loaded.Count > 0 ? new PhotoLibrary(loaded.ToArray()) : throw new ArgumentException($"{folder}: no .jpg or .png photos");
    }

    public int Count => photos.Length;

    /// <summary>A random crop of a random photo (a third to all of its width), resized to <paramref name="width"/> x <paramref name="height"/>, BGR24.</summary>
    public byte[] Crop(Random rng, int width, int height)
    {
        var (bgr, w, h) = photos[rng.Next(photos.Length)];
        using var photo = Mat.FromPixelData(h, w, MatType.CV_8UC3, bgr);
        int cw = Math.Max(8, (int)(w * (0.33 + rng.NextDouble() * 0.67)));
        int ch = Math.Min(h, Math.Max(8, (int)(cw * (double)height / width)));
        cw = Math.Min(cw, w);
        using var crop = new Mat(photo, new Rect(rng.Next(w - cw + 1), rng.Next(h - ch + 1), cw, ch));
        using var sized = crop.Resize(new Size(width, height), 0, 0, InterpolationFlags.Area);
        if (rng.Next(2) == 0)
            Cv2.Flip(sized, sized, FlipMode.Y);
        var result = new byte[width * height * 3];
        System.Runtime.InteropServices.Marshal.Copy(sized.Data, result, 0, result.Length);
        return result;
    }
}
