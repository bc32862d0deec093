using System.Text.RegularExpressions;

namespace RealtimeMM.Cluster;

/// <summary>A question to every camera of the cluster at once: each camera's answer or why it has none.</summary>
public static partial class CameraQuestions
{
    /// <summary>One camera's part of a question to all: its answer, or the problem that kept it from answering.</summary>
    public sealed record Reply(string Camera, CameraAnswer? Answer, string? Problem);

    /// <summary>
    /// Asks every registered camera <paramref name="question"/> about its next frame, all at once.
    /// "which camera sees a red car" (sees, shows, has; "which cameras") is asked as "is there a red
    /// car"; <see cref="Seeing"/> keeps the cameras that said yes.
    /// </summary>
    public static async Task<IReadOnlyList<Reply>> AskAllAsync(IGrainFactory grains, string question)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentException.ThrowIfNullOrWhiteSpace(question);
        string asked = Presence(question) ?? question;
        var cameras = await grains.GetGrain<ICameraDirectoryGrain>(ICameraDirectoryGrain.Key).List();
        var replies = await Task.WhenAll(cameras.Select(async id =>
        {
            try
            {
                return new Reply(id, await grains.GetGrain<ICameraGrain>(id).Ask(asked), null);
            }
            catch (CameraException e)
            {
                return new Reply(id, null, e.Problem);
            }
        }));
        return replies;
    }

    /// <summary>"which camera sees X" as "is there X"; null for any other question.</summary>
    public static string? Presence(string question)
    {
        var m = WhichCamera().Match(question.Trim());
        return m.Success ? Search.TextSearch.PresenceQuestion(m.Groups["what"].Value.TrimEnd('?', ' ')) : null;
    }

    /// <summary>The cameras whose answer was yes.</summary>
    public static IEnumerable<string> Seeing(IEnumerable<Reply> replies) => replies.Where(r => r.Answer?.Text == "yes").Select(r => r.Camera);

    [GeneratedRegex(@"^(which|what) cameras? (sees|see|shows|show|has|have|can see) (?<what>.+)$", RegexOptions.IgnoreCase)]
    private static partial Regex WhichCamera();
}
