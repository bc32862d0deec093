using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;

namespace RealtimeMM.Scenes;

/// <summary>
/// What the generator can draw: its catalogue of classes (one shape each, <see cref="ClassShapes"/>)
/// and colors (one CIELAB region each, <see cref="ColorRegions"/>), in the order of the
/// objects' class and color indexes. A world (<see cref="SceneOptions.World"/>, a world file) picks
/// which of them are in play; the default world (<see cref="World.Default"/>) has them all, and its
/// words (plurals, articles, the position rule) are the ones below.
/// </summary>
public static class SceneWorld
{
    public static readonly IReadOnlyList<string> Classes =
        ["car", "truck", "bus", "bicycle", "person", "dog", "ball", "box", "tree", "house"];

    public static readonly IReadOnlyList<string> Colors =
        ["red", "orange", "yellow", "green", "blue", "purple", "pink", "brown", "black", "white", "gray"];

    /// <summary>Position answers: the object's box center in thirds of the frame.</summary>
    public static IReadOnlyList<string> Positions => World.Default.Positions;

    public static IReadOnlyList<string> QuestionKinds => World.Default.QuestionKinds;

    /// <summary>Plural of a class name in the default world ("people", "buses", "boxes", "cars").</summary>
    public static string Plural(string className) => World.Default.Plural(className);

    /// <summary>"a" or "an" for a word.</summary>
    public static string Article(string word) => World.Article(word);

    /// <summary>The position name of a point in a frame, by thirds.</summary>
    public static string PositionOf(double x, double y, int width, int height) => World.Default.PositionOf(x, y, width, height);

    /// <summary>
    /// The catalogue indexes of a world's classes and colors, in the world's order; a class or color
    /// the generator cannot draw is a <see cref="WorldException"/> naming <paramref name="file"/> and the field.
    /// </summary>
    public static (int[] Classes, int[] Colors) Catalogue(World world, string file = "world")
    {
        var classes = world.Classes.Select((c, i) => IndexOf(Classes, c) is var k and >= 0 ? k
            : throw new WorldException(file, $"classes[{i}].name", $"the generator cannot draw '{c}' (it draws {string.Join(", ", Classes)})")).ToArray();
        var colors = world.Colors.Select((c, i) => IndexOf(Colors, c) is var k and >= 0 ? k
            : throw new WorldException(file, $"colors[{i}]", $"the generator cannot paint '{c}' (it paints {string.Join(", ", Colors)})")).ToArray();
        return (classes, colors);
    }

    internal static int IndexOf(IReadOnlyList<string> list, string item)
    {
        for (int i = 0; i < list.Count; i++)
            if (list[i] == item)
                return i;
        return -1;
    }
}
