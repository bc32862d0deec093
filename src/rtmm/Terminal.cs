namespace RealtimeMM.Cli;

/// <summary>Where a command writes: results to <see cref="Out"/>, progress and errors to <see cref="Error"/>.</summary>
/// <param name="Interactive">Whether <see cref="Error"/> is a terminal, so progress can redraw one line.</param>
public sealed record Terminal(TextWriter Out, TextWriter Error, bool Interactive);
