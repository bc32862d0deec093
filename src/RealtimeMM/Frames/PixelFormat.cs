namespace RealtimeMM.Frames;

/// <summary>Pixel formats, named by byte order in memory.</summary>
public enum PixelFormat
{
    /// <summary>Three bytes per pixel: blue, green, red (OpenCV's default).</summary>
    Bgr24,
}
