namespace RealtimeMM.Overlay;

/// <summary>
/// How an attention map is drawn over a frame: the map is upsampled bilinearly to the frame,
/// colored by <see cref="Colormap"/>, and blended with opacity <c>Alpha * value</c>, so places the
/// model ignored stay clear and where it looked shows most.
/// </summary>
public sealed record OverlaySpec
{
    public Colormap Colormap { get; init; } = Colormap.Turbo;

    /// <summary>Opacity where the map is at its maximum, in [0, 1].</summary>
    public float Alpha { get; init; } = 0.6f;

    /// <summary>Stretch the map to [0, 1] by its own min and max (a flat map draws nothing).</summary>
    public bool Normalize { get; init; } = true;

    public void Validate()
    {
        if (!(Alpha >= 0 && Alpha <= 1))
            throw new ArgumentOutOfRangeException(nameof(Alpha), Alpha, "alpha must be within [0, 1]");
    }
}
