namespace RealtimeMM.Features;

/// <summary>How close a feature map's cells stand (<see cref="ImageFeatureOptions.Density"/>).</summary>
public enum FeatureDensity
{
    /// <summary>One cell per stride of the stage (16 input pixels at stage 3).</summary>
    Plain,

    /// <summary>Twice the columns: the stage runs at twice the cost (the network about 1.3x at 640x480).</summary>
    DoubleAcross,

    /// <summary>Twice the rows and columns: the stage runs at four times the cost (the network about 2x).</summary>
    Double,
}
