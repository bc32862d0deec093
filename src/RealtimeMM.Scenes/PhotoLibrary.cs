using OpenCvSharp;

namespace RealtimeMM.Scenes;

/// <summary>
/// Photos for domain randomisation in training scenes (backgrounds and clutter that is not an
/// object of the world): decoded once from a folder of .jpg and .png files, BGR24. Only photos
/// that no test set uses belong here (opencv-doc's examples/data without vtest.avi; never the
/// darknet or scikit-image photos, which test the in-world flag on real pictures), and none that
/// shows the world's classes (people, cars, dogs, houses, boxes, balls, trees): behind a scene they
/// would be objects nobody labelled (tools/device/prepare lists the ones it leaves out). A folder is
/// decoded with OpenCV; a packed file (<see cref="Pack"/>: raw pixels) needs no image decoder, so
/// training machines without OpenCV's native library (the GPU image) can use it too.
/// </summary>
public sealed class PhotoLibrary
{
    readonly (byte[] Bgr, int Width, int Height)[] photos;

    PhotoLibrary((byte[], int, int)[] photos) => this.photos = photos;

    const string Magic = "RTMMPHOTOS1";

    /// <summary>Loads every .jpg and .png in <paramref name="folder"/>, or a file <see cref="Pack"/> wrote; a folder without photos is an error naming it.</summary>
    public static PhotoLibrary Load(string folder)
    {
        if (File.Exists(folder))
            return Unpack(folder);
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

    /// <summary>
    /// Writes the photos as one file of raw BGR24 pixels (magic, count, then width, height and pixels
    /// each), atomically, each scaled down to at most <paramref name="maxSide"/> pixels on its longer
    /// side (scenes are 320x240 at most: more would only make the file larger).
    /// </summary>
    public void Pack(string file, int maxSide = 400)
    {
        string temp = file + ".tmp";
        using (var w = new BinaryWriter(File.Create(temp)))
        {
            w.Write(Magic);
            w.Write(photos.Length);
            foreach (var (bgr, width, height) in photos)
            {
                double scale = Math.Min(1, (double)maxSide / Math.Max(width, height));
                int sw = Math.Max(16, (int)(width * scale)), sh = Math.Max(16, (int)(height * scale));
                w.Write(sw);
                w.Write(sh);
                w.Write(scale < 1 ? Resample(bgr, width, height, 0, 0, width, height, sw, sh, mirror: false) : bgr);
            }
        }
        File.Move(temp, file, overwrite: true);
    }

    static PhotoLibrary Unpack(string file)
    {
        using var r = new BinaryReader(File.OpenRead(file));
        try
        {
            if (r.ReadString() != Magic)
                throw new InvalidDataException($"{file}: not a packed photo file (rtmm dataset --pack-photos makes one)");
            var photos = new (byte[], int, int)[r.ReadInt32()];
            for (int i = 0; i < photos.Length; i++)
            {
                int w = r.ReadInt32(), h = r.ReadInt32();
                if (w < 16 || h < 16 || w > 20000 || h > 20000)
                    throw new InvalidDataException($"{file}: photo {i} is {w}x{h}");
                var bgr = r.ReadBytes(w * h * 3);
                if (bgr.Length != w * h * 3)
                    throw new InvalidDataException($"{file}: photo {i} is cut short");
                photos[i] = (bgr, w, h);
            }
            return photos.Length > 0 ? new PhotoLibrary(photos) : throw new InvalidDataException($"{file}: no photos");
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"{file}: cut short");
        }
    }

    /// <summary>A random crop of a random photo (a third to all of its width), resized to <paramref name="width"/> x <paramref name="height"/> (bilinear), mirrored half the time, BGR24.</summary>
    public byte[] Crop(Random rng, int width, int height)
    {
        var (bgr, w, h) = photos[rng.Next(photos.Length)];
        int cw = Math.Max(8, (int)(w * (0.33 + rng.NextDouble() * 0.67)));
        int ch = Math.Min(h, Math.Max(8, (int)(cw * (double)height / width)));
        cw = Math.Min(cw, w);
        int x0 = rng.Next(w - cw + 1), y0 = rng.Next(h - ch + 1);
        return Resample(bgr, w, h, x0, y0, cw, ch, width, height, mirror: rng.Next(2) == 0);
    }

    /// <summary>The region (x0, y0, cw, ch) of a BGR24 image resampled bilinearly to width x height, mirrored or not.</summary>
    static byte[] Resample(byte[] bgr, int w, int h, int x0, int y0, int cw, int ch, int width, int height, bool mirror)
    {
        var result = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
        {
            float sy = Math.Clamp(y0 + (y + 0.5f) * ch / height - 0.5f, 0, h - 1);
            int iy = Math.Min((int)sy, Math.Max(0, h - 2));
            float fy = sy - iy;
            for (int x = 0; x < width; x++)
            {
                int dx = mirror ? width - 1 - x : x;
                float sx = Math.Clamp(x0 + (x + 0.5f) * cw / width - 0.5f, 0, w - 1);
                int ix = Math.Min((int)sx, Math.Max(0, w - 2));
                float fx = sx - ix;
                for (int c = 0; c < 3; c++)
                {
                    float a = bgr[(iy * w + ix) * 3 + c], b = bgr[(iy * w + ix + 1) * 3 + c];
                    float d = bgr[((iy + 1) * w + ix) * 3 + c], e = bgr[((iy + 1) * w + ix + 1) * 3 + c];
                    float top = a + (b - a) * fx, bottom = d + (e - d) * fx;
                    result[(y * width + dx) * 3 + c] = (byte)(top + (bottom - top) * fy + 0.5f);
                }
            }
        }
        return result;
    }
}
