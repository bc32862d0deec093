namespace RealtimeMM.Replay;

/// <summary>How a clip stores its frames.</summary>
public enum ClipFormat
{
    /// <summary>FFV1 in AVI: lossless and byte-for-byte reproducible, the smallest lossless form, but slow to decode
    /// (34 ms a 640x480 frame on a 2 GHz core: slower than real time at 30 fps).</summary>
    Ffv1,
    /// <summary>Motion JPEG in AVI: about 5x smaller, lossy.</summary>
    Mjpeg,
    /// <summary>One PNG per frame in a folder: lossless, easy to inspect.</summary>
    Png,
    /// <summary>HuffYUV in AVI: lossless and byte-for-byte reproducible, about a quarter larger than FFV1 and seven
    /// times faster to decode (4.4 ms a 640x480 frame), so a clip replays in real time beside the model; the default (<see cref="ClipWriter.DefaultFormat"/>).</summary>
    HuffYuv,
}
