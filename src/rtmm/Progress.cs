using System.Diagnostics;

namespace RealtimeMM.Cli;

/// <summary>
/// A progress bar on stderr: redrawn in place on a terminal, a line every tenth otherwise (so logs
/// show progress without a flood). Disposing finishes the line.
/// </summary>
internal sealed class Progress(Terminal terminal, string label, long total) : IDisposable
{
    readonly Stopwatch clock = Stopwatch.StartNew();
    long lastDrawTicks = -1;
    int lastTenth = -1;
    long done;

    public void Report(long value)
    {
        done = value;
        if (terminal.Interactive)
        {
            if (clock.ElapsedTicks - lastDrawTicks < Stopwatch.Frequency / 10 && value < total)
                return;
            lastDrawTicks = clock.ElapsedTicks;
            terminal.Error.Write($"\r{Line()}");
        }
        else
        {
            int tenth = total > 0 ? (int)(value * 10 / total) : 0;
            if (tenth == lastTenth)
                return;
            lastTenth = tenth;
            terminal.Error.WriteLine(Line());
        }
    }

    string Line()
    {
        double rate = done / Math.Max(clock.Elapsed.TotalSeconds, 1e-3);
        if (total <= 0)
            return $"{label} {done} ({rate:F1}/s)";
        int width = 30, filled = (int)(width * Math.Min(done, total) / total);
        return $"{label} [{new string('#', filled)}{new string('.', width - filled)}] {done}/{total} ({rate:F1}/s)";
    }

    public void Dispose()
    {
        if (terminal.Interactive)
            terminal.Error.WriteLine($"\r{Line()}");
    }
}
