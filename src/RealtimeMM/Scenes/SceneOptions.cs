namespace RealtimeMM.Scenes;

/// <summary>What the scene generator renders.</summary>
public sealed record SceneOptions
{
    public int Width { get; init; } = 320;
    public int Height { get; init; } = 240;
    public int MinObjects { get; init; } = 1;
    public int MaxObjects { get; init; } = 6;

    /// <summary>Lighting, white balance, blur and sensor noise. Off gives clean renders.</summary>
    public bool CameraEffects { get; init; } = true;

    /// <summary>Questions generated per frame (of all kinds, with paraphrases).</summary>
    public int QuestionsPerFrame { get; init; } = 10;

    internal void Validate()
    {
        if (Width < 32 || Height < 32 || Width > 4096 || Height > 4096)
            throw new ArgumentOutOfRangeException(nameof(Width), $"scene size {Width}x{Height} must be within 32..4096 each way");
        if (MinObjects < 1 || MaxObjects > 6 || MinObjects > MaxObjects)
            throw new ArgumentOutOfRangeException(nameof(MinObjects), $"objects per scene {MinObjects}..{MaxObjects} must be within 1..6");
        if (QuestionsPerFrame < 0 || QuestionsPerFrame > 100)
            throw new ArgumentOutOfRangeException(nameof(QuestionsPerFrame), QuestionsPerFrame, "questions per frame must be within 0..100");
    }
}
