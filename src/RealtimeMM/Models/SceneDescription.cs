namespace RealtimeMM.Models;

/// <summary>One kind of thing the model found: how many, and for a single one its color and place, with where it looked.</summary>
public sealed record DescribedObject(string Class, int Count, string? Color, string? Position, float Confidence, AttentionMap? Attention);

/// <summary>
/// "Describe the scene": a sentence built only from the model's own answers ("how many X are
/// there" for every class, then the color and place of each class seen once), with the items
/// behind it. Empty <see cref="Objects"/> when the model sees nothing it knows.
/// </summary>
public sealed record SceneDescription(string Text, IReadOnlyList<DescribedObject> Objects);
