namespace RealtimeMM.Answering;

/// <summary>
/// "Describe the scene": a sentence built only from the model's own answers ("how many X are
/// there" for every class, then the color and place of each class seen once), with the items
/// behind it. Empty <see cref="Objects"/> when the model sees nothing it knows.
/// </summary>
public sealed record SceneDescription(string Text, IReadOnlyList<DescribedObject> Objects);
