using RealtimeMM.Fusion;
using RealtimeMM.Answering;

namespace RealtimeMM.Bundle;

/// <summary>One class of a world: its name, its plural and the other words people use for it.</summary>
public sealed record WorldClass(string Name, string Plural, IReadOnlyList<string> Words);
