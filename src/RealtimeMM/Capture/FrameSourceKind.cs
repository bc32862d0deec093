namespace RealtimeMM.Capture;

/// <summary>Where frames come from.</summary>
public enum FrameSourceKind
{
    /// <summary>A V4L2 camera by index (<c>0</c>) or device path (<c>/dev/video0</c>).</summary>
    Camera,
    /// <summary>A video file OpenCV can decode.</summary>
    VideoFile,
    /// <summary>A network stream (rtsp, rtmp, http, https, udp, tcp, srt), read through ffmpeg.</summary>
    Stream,
    /// <summary>A folder of still images played in name order.</summary>
    ImageFolder,
    /// <summary>A recorded clip: video or image folder plus a JSON sidecar with timestamps and ground truth.</summary>
    ReplayClip,
}
