namespace RealtimeMM.Scenes;

/// <summary>
/// The vocabulary of the generated scene world (SCENES.md): classes, colors, positions and
/// question kinds. The generator, question templates, speech grammar and tests all read it here.
/// </summary>
public static class SceneWorld
{
    public static readonly IReadOnlyList<string> Classes =
        ["car", "truck", "bus", "bicycle", "person", "dog", "ball", "box", "tree", "house"];

    public static readonly IReadOnlyList<string> Colors =
        ["red", "orange", "yellow", "green", "blue", "purple", "pink", "brown", "black", "white", "gray"];

    /// <summary>Position answers: the object's box center in thirds of the frame.</summary>
    public static readonly IReadOnlyList<string> Positions =
        ["top left", "top", "top right", "left", "center", "right", "bottom left", "bottom", "bottom right"];

    public static readonly IReadOnlyList<string> QuestionKinds = ["color", "count", "exist", "position", "identify"];

    static readonly Dictionary<string, string> plurals = new()
    {
        ["bus"] = "buses", ["box"] = "boxes", ["person"] = "people",
    };

    /// <summary>Plural of a class name ("people", "buses", "boxes", "cars").</summary>
    public static string Plural(string className) => plurals.TryGetValue(className, out var p) ? p : className + "s";

    /// <summary>"a" or "an" for a word.</summary>
    public static string Article(string word) => "aeiou".Contains(word[0]) ? "an" : "a";

    /// <summary>The position name of a point in a frame, by thirds.</summary>
    public static string PositionOf(double x, double y, int width, int height)
    {
        int col = x < width / 3.0 ? 0 : x < 2 * width / 3.0 ? 1 : 2;
        int row = y < height / 3.0 ? 0 : y < 2 * height / 3.0 ? 1 : 2;
        return Positions[row * 3 + col];
    }
}
