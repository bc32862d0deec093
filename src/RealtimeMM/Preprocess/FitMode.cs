namespace RealtimeMM.Preprocess;

/// <summary>How the source's aspect ratio is fitted to the model's input.</summary>
public enum FitMode
{
    /// <summary>Scale each axis independently to fill the input.</summary>
    Stretch,
    /// <summary>Scale to cover the input, keep the aspect ratio, cut the overflow evenly on both sides.</summary>
    CenterCrop,
    /// <summary>Scale to fit inside the input, keep the aspect ratio, pad the rest with the mean (0 after normalisation).</summary>
    Letterbox,
}
