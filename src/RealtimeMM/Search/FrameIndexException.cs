namespace RealtimeMM.Search;

/// <summary>
/// A frame index that cannot be used as asked: not an index file, made by a different model
/// bundle, or an embedding of the wrong size. One line naming the file and the problem.
/// </summary>
public class FrameIndexException : IOException
{
    public FrameIndexException(string file, string problem, Exception? inner = null) : base($"{file}: {problem}", inner) => FileName = file;

    public string FileName { get; }
}
