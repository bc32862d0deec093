namespace RealtimeMM.Search;

/// <summary>
/// The state of one alert: absent until <see cref="AlertOptions.OnFrames"/> consecutive frames
/// score at or above the on-threshold, then present until <see cref="AlertOptions.OffFrames"/>
/// consecutive frames score below the off-threshold. Feed it one score per frame, in order.
/// </summary>
public sealed class TextAlert
{
    int run;

    /// <param name="present">
    /// Start present: for an alert carried over from before (a camera that moved to another machine),
    /// so a thing that stayed in view is not raised again; it clears when it leaves.
    /// </param>
    public TextAlert(string text, AlertOptions? options = null, bool present = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        Options = options ?? new AlertOptions();
        Options.Validate();
        Text = text;
        Present = present;
    }

    public string Text { get; }
    public AlertOptions Options { get; }

    /// <summary>Whether what the alert watches for is in view (raised and not yet cleared).</summary>
    public bool Present { get; private set; }

    /// <summary>Times the alert was raised.</summary>
    public int Raised { get; private set; }

    /// <summary>Takes a frame's score; returns true (raised) or false (cleared) when the state changes, null otherwise.</summary>
    public bool? Update(float score)
    {
        bool towards = Present ? score < Options.OffThreshold : score >= Options.OnThreshold;
        run = towards ? run + 1 : 0;
        if (run < (Present ? Options.OffFrames : Options.OnFrames))
            return null;
        run = 0;
        Present = !Present;
        if (Present)
            Raised++;
        return Present;
    }
}
