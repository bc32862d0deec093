namespace RealtimeMM.Teaching;

/// <summary>A vocabulary file that cannot be used at all (its header is damaged, another feature extractor's, a newer version); the message names the file and the problem.</summary>
public sealed class VocabularyException(string path, string problem, Exception? inner = null)
    : Exception($"{path}: {problem}", inner)
{
    public string Path { get; } = path;
    public string Problem { get; } = problem;
}
