namespace RealtimeMM.Replay;

/// <summary>How a clip stores its frames.</summary>
public enum ClipFormat
{
    /// <summary>FFV1 in AVI: lossless and byte-for-byte reproducible; the default.</summary>
    Ffv1,
    /// <summary>Motion JPEG in AVI: about 5x smaller, lossy.</summary>
    Mjpeg,
    /// <summary>One PNG per frame in a folder: lossless, easy to inspect.</summary>
    Png,
}
