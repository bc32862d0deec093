using RealtimeMM.Fusion;
using RealtimeMM.Answering;

namespace RealtimeMM.Bundle;

/// <summary>
/// A world that cannot be used (a class listed twice, a color with no answer, a kind with no
/// phrasings): one line naming the file and the field, e.g. <c>w.json: colors: 'red' is listed twice</c>.
/// </summary>
public class WorldException(string file, string field, string problem, Exception? inner = null)
    : FormatException($"{file}: {field}: {problem}", inner)
{
    public string FileName { get; } = file;
    public string Field { get; } = field;
    public string Problem { get; } = problem;
}
