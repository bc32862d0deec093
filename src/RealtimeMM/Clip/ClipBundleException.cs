namespace RealtimeMM.Clip;

/// <summary>A CLIP-format bundle that cannot be used: the message names the file and the problem.</summary>
public sealed class ClipBundleException(string file, string problem, Exception? inner = null) : Exception($"{file}: {problem}", inner)
{
    public string File { get; } = file;
    public string Problem { get; } = problem;
}
