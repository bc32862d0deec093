namespace RealtimeMM.Speech;

/// <summary>
/// One speaker's adapted acoustic model: the recogniser's Gaussian means moved toward that voice by
/// <see cref="SpeakerAdaptation.Enroll"/>. Stored as a PocketSphinx means file (the model's own format),
/// which <see cref="SpeechRecognizer"/> loads in place of the model's means.
/// </summary>
public sealed class SpeakerProfile
{
    SpeakerProfile(string meansFile, int sentences, int frames)
    {
        MeansFile = meansFile;
        Sentences = sentences;
        Frames = frames;
    }

    /// <summary>The adapted means file.</summary>
    public string MeansFile { get; }

    /// <summary>Enrolment sentences the adaptation used (0 for a profile loaded from a file).</summary>
    public int Sentences { get; }

    /// <summary>10 ms frames of speech the adaptation used (0 for a profile loaded from a file).</summary>
    public int Frames { get; }

    internal static SpeakerProfile Created(string meansFile, int sentences, int frames) => new(meansFile, sentences, frames);

    /// <summary>
    /// Opens a profile written by <see cref="SpeakerAdaptation.Enroll"/>, checking that it fits the acoustic
    /// model in <paramref name="modelFolder"/>.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a means file of the model's shape.</exception>
    public static SpeakerProfile Load(string path, string modelFolder = SpeechRecognizer.DefaultModelFolder)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: speaker profile not found", path);
        float[] data;
        int[] dims;
        try
        {
            (data, dims) = PtmAcousticModel.ReadGaussians(path);
        }
        catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException)
        {
            throw new InvalidDataException($"{path}: not a speaker profile (truncated means file)", e);
        }
        var (_, expected) = PtmAcousticModel.ReadGaussians(Path.Combine(modelFolder, "en-us", "means"));
        if (!dims.SequenceEqual(expected) || data.Any(v => !float.IsFinite(v)))
            throw new InvalidDataException($"{path}: not a speaker profile for the model in {modelFolder} (shape {string.Join('x', dims)}, expected {string.Join('x', expected)})");
        return new SpeakerProfile(Path.GetFullPath(path), 0, 0);
    }
}
