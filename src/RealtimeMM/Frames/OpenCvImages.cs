namespace RealtimeMM.Frames;

/// <summary>Views of OpenCV images for the SDK's calls that take an <see cref="ImageView"/>.</summary>
public static class OpenCvImages
{
    /// <summary>
    /// The Mat's pixels, not copied: keep the Mat alive and unchanged while the view is used.
    /// Throws <see cref="ArgumentException"/> unless it is 8-bit, 3-channel BGR.
    /// </summary>
    public static unsafe ImageView AsImageView(this OpenCvSharp.Mat bgr)
    {
        ArgumentNullException.ThrowIfNull(bgr);
        if (bgr.Empty())
            throw new ArgumentException("the Mat is empty", nameof(bgr));
        if (bgr.Type() != OpenCvSharp.MatType.CV_8UC3)
            throw new ArgumentException($"the Mat is {bgr.Type()}; RealtimeMM takes 8-bit, 3-channel BGR (CV_8UC3)", nameof(bgr));
        int stride = (int)bgr.Step();
        return new ImageView(new ReadOnlySpan<byte>((void*)bgr.Data, stride * (bgr.Rows - 1) + bgr.Cols * 3), bgr.Cols, bgr.Rows, stride);
    }
}
