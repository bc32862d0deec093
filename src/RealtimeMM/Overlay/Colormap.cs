using System.Numerics;
using System.Runtime.CompilerServices;

namespace RealtimeMM.Overlay;

/// <summary>Perceptual colormaps for attention heatmaps.</summary>
public enum Colormap
{
    /// <summary>Google's Turbo: a brighter, higher-contrast rainbow without Jet's false bands.</summary>
    Turbo,
    /// <summary>Matplotlib's Viridis: perceptually uniform, readable in grayscale and by color-blind viewers.</summary>
    Viridis,
}
