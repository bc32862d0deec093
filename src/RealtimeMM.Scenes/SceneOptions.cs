using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;

namespace RealtimeMM.Scenes;

/// <summary>What the scene generator renders.</summary>
public sealed record SceneOptions
{
    public int Width { get; init; } = 320;
    public int Height { get; init; } = 240;
    /// <summary>Fewest objects in a scene; 0 allows empty scenes (a camera often sees nothing of interest).</summary>
    public int MinObjects { get; init; } = 1;
    public int MaxObjects { get; init; } = 6;

    /// <summary>Lighting, white balance, blur and sensor noise. Off gives clean renders.</summary>
    public bool CameraEffects { get; init; } = true;

    /// <summary>Questions generated per frame (of all kinds, with paraphrases).</summary>
    public int QuestionsPerFrame { get; init; } = 10;

    /// <summary>Class–color pairs never drawn ("car:green"): the compositional hold-out of a training split.</summary>
    public IReadOnlyList<string> ExcludedPairs { get; init; } = [];

    /// <summary>Class–color pairs to favour: with <see cref="FavoredPairChance"/> the first object is one of them (a hold-out test split).</summary>
    public IReadOnlyList<string> FavoredPairs { get; init; } = [];

    public double FavoredPairChance { get; init; } = 0.5;

    /// <summary>
    /// Chance that an object after the first takes the class of one already placed (own color): more
    /// scenes with two cars, and so more "the car on the left" questions, for training. 0 (the default)
    /// leaves the random draws, and so every scene, exactly as before.
    /// </summary>
    public double SameClassChance { get; init; }

    /// <summary>
    /// Chance that an object after the first takes the color of one already placed: of its twin when it
    /// took a placed object's class (two red cars: "the car" is then "several", which a model cannot
    /// tell from the color alone), else of any placed object (a lone red car beside a red box is still
    /// one car). For training; 0 (the default) leaves every scene exactly as before.
    /// </summary>
    public double SameColorChance { get; init; }

    /// <summary>
    /// Chance that an object of a still scene is placed across the frame's edge, 20-80% of it in
    /// view, as objects entering or leaving a camera's view are (clips have them; training data
    /// should too). 0 (the default) leaves every scene exactly as before.
    /// </summary>
    public double EdgeObjectChance { get; init; }

    /// <summary>
    /// Domain randomisation, for training: the chance that a still scene is drawn in a randomised
    /// style (objects mirrored, outlined, textured, their parts shaded apart; photo backgrounds and
    /// photo clutter from <see cref="Photos"/>; a bar occluding part of the view), so a model learns
    /// the classes rather than one way of drawing them. 0 (the default) leaves every scene exactly as before.
    /// </summary>
    public double Randomise { get; init; }

    /// <summary>
    /// The world in play: which of the generator's classes and colors are drawn, asked about and
    /// answered, and the question phrasings (a world file, <see cref="World.Load"/>). Default: all of
    /// them, the world of the shipped model.
    /// </summary>
    public World World { get; init; } = World.Default;

    /// <summary>The world's classes and colors as catalogue indexes (<see cref="SceneWorld.Catalogue"/>).</summary>
    internal (int[] Classes, int[] Colors) Pools => SceneWorld.Catalogue(World, World.Source ?? $"world '{World.Name}'");

    /// <summary>The most objects a scene gets: <see cref="MaxObjects"/>, or fewer when the world counts only that far.</summary>
    internal int MostObjects => Math.Min(MaxObjects, World.MaxCount);

    /// <summary>Photos for randomised backgrounds and clutter (null: the randomised style uses none).</summary>
    public PhotoLibrary? Photos { get; init; }

    internal (int Class, int Color)[] ParsePairs(IReadOnlyList<string> pairs) => pairs.Select(p =>
    {
        var parts = p.Split(':');
        int c = parts.Length == 2 && World.Classes.Contains(parts[0]) ? SceneWorld.IndexOf(SceneWorld.Classes, parts[0]) : -1;
        int k = parts.Length == 2 && World.Colors.Contains(parts[1]) ? SceneWorld.IndexOf(SceneWorld.Colors, parts[1]) : -1;
        if (c < 0 || k < 0)
            throw new ArgumentException($"'{p}' is not a CLASS:COLOR pair of the world (e.g. car:green)");
        return (c, k);
    }).ToArray();

    internal void Validate()
    {
        _ = Pools;
        if (MinObjects > World.MaxCount)
            throw new ArgumentOutOfRangeException(nameof(MinObjects), MinObjects, $"the world '{World.Name}' counts to {World.MaxCount}: scenes may hold at most that many objects");
        ParsePairs(ExcludedPairs);
        ParsePairs(FavoredPairs);
        if (Width < 32 || Height < 32 || Width > 4096 || Height > 4096)
            throw new ArgumentOutOfRangeException(nameof(Width), $"scene size {Width}x{Height} must be within 32..4096 each way");
        if (MinObjects < 0 || MaxObjects > 6 || MinObjects > MaxObjects)
            throw new ArgumentOutOfRangeException(nameof(MinObjects), $"objects per scene {MinObjects}..{MaxObjects} must be within 0..6");
        if (!(Randomise >= 0 && Randomise <= 1))
            throw new ArgumentOutOfRangeException(nameof(Randomise), Randomise, "the randomised-style chance must be within 0..1");
        if (!(EdgeObjectChance >= 0 && EdgeObjectChance <= 1))
            throw new ArgumentOutOfRangeException(nameof(EdgeObjectChance), EdgeObjectChance, "the edge-object chance must be within 0..1");
        if (!(SameClassChance >= 0 && SameClassChance <= 1))
            throw new ArgumentOutOfRangeException(nameof(SameClassChance), SameClassChance, "the same-class chance must be within 0..1");
        if (!(SameColorChance >= 0 && SameColorChance <= 1))
            throw new ArgumentOutOfRangeException(nameof(SameColorChance), SameColorChance, "the same-color chance must be within 0..1");
        if (QuestionsPerFrame < 0 || QuestionsPerFrame > 100)
            throw new ArgumentOutOfRangeException(nameof(QuestionsPerFrame), QuestionsPerFrame, "questions per frame must be within 0..100");
    }
}
