using RealtimeMM.Fusion;
using RealtimeMM.Answering;

namespace RealtimeMM.Bundle;

/// <summary>
/// A model bundle that cannot be used: a missing file, a manifest field that is absent or wrong,
/// or a tensor whose shape disagrees with the manifest. One line naming the file and the field,
/// e.g. <c>models/x/manifest.json: image.width: expected a positive integer, got 0</c>.
/// </summary>
public class ModelBundleException : FormatException
{
    public ModelBundleException(string file, string field, string problem, Exception? inner = null)
        : base($"{file}: {field}: {problem}", inner)
    {
        FileName = file;
        Field = field;
    }

    public string FileName { get; }
    public string Field { get; }
}
