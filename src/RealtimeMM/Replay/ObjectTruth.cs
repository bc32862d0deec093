namespace RealtimeMM.Replay;

/// <summary>One object in a frame as the scene knows it: class, color name, box and visible mask.</summary>
/// <param name="Id">Stable across the frames of a clip.</param>
/// <param name="Class">One of the world's classes (car, dog, ...).</param>
/// <param name="Color">One of the world's color names.</param>
/// <param name="Box">Tight box of the visible pixels, in frame pixels.</param>
/// <param name="Mask">Visible pixels within <paramref name="Box"/>.</param>
public sealed record ObjectTruth(int Id, string Class, string Color, PixelBox Box, ObjectMask? Mask = null);
