namespace RealtimeMM.Preprocess;

/// <summary>How the source is resampled.</summary>
public enum ResizeFilter
{
    /// <summary>Bilinear with half-pixel centers and clamped edges (OpenCV's INTER_LINEAR convention).</summary>
    Bilinear,
    /// <summary>Box filter over each output pixel's exact footprint when shrinking (antialiased, like INTER_AREA); bilinear when enlarging.</summary>
    Area,
}
