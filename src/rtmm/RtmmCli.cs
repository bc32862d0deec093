using System.CommandLine;
using RealtimeMM.Capture;
using RealtimeMM.Cli.Commands;
using RealtimeMM.Replay;

namespace RealtimeMM.Cli;

/// <summary>The <c>rtmm</c> command line: builds the commands and turns user errors into one line and exit code 1.</summary>
public static class RtmmCli
{
    /// <summary>Exit code for a user error (bad input, missing file, unreachable source).</summary>
    public const int UserError = 1;

    /// <summary>Exit code when interrupted (Ctrl+C).</summary>
    public const int Interrupted = 130;

    public static int Run(string[] args, Terminal terminal)
    {
        var root = new RootCommand("rtmm: ask questions about what a camera sees, live (RealtimeMM)")
        {
            InfoCommand.Create(terminal),
            SceneCommand.Create(terminal),
            RecordCommand.Create(terminal),
            ReplayCommand.Create(terminal),
            DemoCommand.Create(terminal),
            BenchCommand.Create(terminal),
            DatasetCommand.Create(terminal),
            AskCommand.Create(terminal),
            EvalCommand.Create(terminal),
            CalibrateCommand.Create(terminal),
            LiveCommand.Create(terminal),
            ListenCommand.Create(terminal),
            EnrollCommand.Create(terminal),
            SoakCommand.Create(terminal),
            IndexCommand.Create(terminal),
            SearchCommand.Create(terminal),
            AlertsCommand.Create(terminal),
        };
        var config = new InvocationConfiguration { Output = terminal.Out, Error = terminal.Error };
        var parsed = root.Parse(args);
        // --help wins over every other token in System.CommandLine: "rtmm nosuch --help" would print the
        // root's help and exit 0, as if nosuch were a command. A word it cannot place is an error first.
        if (parsed.UnmatchedTokens.Count > 0 && args.Any(a => a is "--help" or "-h" or "-?"))
        {
            terminal.Error.WriteLine($"rtmm: unrecognized command or argument {string.Join(", ", parsed.UnmatchedTokens.Select(t => $"'{t}'"))} (rtmm --help lists the commands)");
            return UserError;
        }
        return parsed.Invoke(config);
    }

    /// <summary>
    /// Runs a command body: user errors become "rtmm: message" on stderr and exit code 1, never a
    /// stack trace (set RTMM_DEBUG=1 to see one).
    /// </summary>
    internal static void SetGuardedAction(this Command command, Terminal terminal, Func<ParseResult, CancellationToken, int> body) =>
        command.SetAction((parse, cancel) =>
        {
            try
            {
                return Task.FromResult(body(parse, cancel));
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                terminal.Error.WriteLine("rtmm: interrupted");
                return Task.FromResult(Interrupted);
            }
            catch (Exception e) when (IsUserError(e))
            {
                terminal.Error.WriteLine($"rtmm: {OneLine(e.Message)}");
                if (Environment.GetEnvironmentVariable("RTMM_DEBUG") == "1")
                    terminal.Error.WriteLine(e);
                return Task.FromResult(UserError);
            }
        });

    static bool IsUserError(Exception e) => e is FrameSourceException or ReplayFormatException or RealtimeMM.Models.ModelBundleException or FormatException or IOException
        or UnauthorizedAccessException or ArgumentException or PlatformNotSupportedException or InvalidOperationException or RealtimeMM.Speech.SpeechUnavailableException;

    static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
