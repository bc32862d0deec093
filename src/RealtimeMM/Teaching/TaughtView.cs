namespace RealtimeMM.Teaching;

/// <summary>
/// An example's box seen larger than it was shown: the frame cut to a window around the box, 1/<see cref="Scale"/>
/// of its size, so the network sees the box <see cref="Scale"/> times as large. <see cref="TaughtAnswerer.Teach"/>
/// adds one at 1.5 to every example of what a name is: the same thing nearer the camera then looks like the name too,
/// and is found as one thing instead of split in two (docs/real-world.md, "Examples seen larger").
/// </summary>
/// <param name="Scale">How many times larger than in the example's frame.</param>
/// <param name="Vector">The unit feature vector under the box in that view.</param>
/// <param name="Background">Unit vectors of what else that view held.</param>
public sealed record TaughtView(double Scale, float[] Vector, IReadOnlyList<float[]> Background);
