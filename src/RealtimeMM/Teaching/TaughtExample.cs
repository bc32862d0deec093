using RealtimeMM.Features;

namespace RealtimeMM.Teaching;

/// <summary>
/// One example of a taught name: the unit mean of the feature cells under its box, and the
/// background it was shown against (a few unit vectors summing up the rest of its frame). A
/// negative example (something that is not the name) counts only as background.
/// </summary>
/// <param name="Name">The name it teaches.</param>
/// <param name="Vector">The unit feature vector under the box.</param>
/// <param name="Background">Unit vectors of what else its frame held.</param>
/// <param name="Box">The box, in the pixels of its frame.</param>
/// <param name="FrameWidth">Its frame's width in pixels.</param>
/// <param name="FrameHeight">Its frame's height in pixels.</param>
/// <param name="Negative">It shows what the name is not.</param>
/// <param name="Source">Where the frame came from (a file, "camera 0 frame 120"), for people reading the vocabulary.</param>
/// <param name="Taught">When.</param>
/// <param name="Views">The box seen larger (<see cref="TaughtView"/>); none for negative examples, for boxes over two
/// thirds of their frame, and for examples taught before views existed.</param>
public sealed record TaughtExample(string Name, float[] Vector, IReadOnlyList<float[]> Background, BoxF Box, int FrameWidth, int FrameHeight,
    bool Negative, string Source, DateTimeOffset Taught, IReadOnlyList<TaughtView>? Views = null);
