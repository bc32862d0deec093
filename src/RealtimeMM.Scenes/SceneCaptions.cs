using RealtimeMM.Replay;

namespace RealtimeMM.Scenes;

/// <summary>
/// Captions for contrastive training and text search: objects in a canonical order (left to
/// right), each as "color class", e.g. "a red car, a blue ball and a green tree".
/// </summary>
public static class SceneCaptions
{
    public static string For(IReadOnlyList<ObjectTruth> objects)
    {
        if (objects.Count == 0)
            return "nothing";
        var parts = objects.OrderBy(o => o.Box.CenterX).ThenBy(o => o.Box.CenterY)
            .Select(o => $"{SceneWorld.Article(o.Color)} {o.Color} {o.Class}").ToArray();
        return parts.Length == 1 ? parts[0] : string.Join(", ", parts[..^1]) + " and " + parts[^1];
    }
}
