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

    /// <summary>Exit code for an internal fault (a bug of ours, not the input's): EX_SOFTWARE.</summary>
    public const int InternalError = 70;

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
            TeachCommand.Create(terminal),
            ServeCommand.Create(terminal),
            ClusterCommand.Create(terminal),
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
            catch (Exception e) when (e is not OperationCanceledException)
            {
                string file = Path.Combine(Path.GetTempPath(), $"rtmm-crash-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}.txt");
                try
                {
                    File.WriteAllText(file, $"rtmm {string.Join(' ', Environment.GetCommandLineArgs().Skip(1))}\n{DateTime.UtcNow:O}\n{e}\n");
                }
                catch (Exception writeFailure) when (writeFailure is IOException or UnauthorizedAccessException)
                {
                    file = $"(could not be saved: {writeFailure.Message})";
                }
                terminal.Error.WriteLine($"rtmm: internal error: {e.GetType().Name}: {OneLine(e.Message)} (a bug in rtmm, not in your input; the stack trace is in {file})");
                return Task.FromResult(InternalError);
            }
        });

    /// <summary>
    /// Errors in what the user gave or has: the tool's own (<see cref="UsageException"/>), the SDK's
    /// typed input errors (a source, clip, bundle, world, audio or index that cannot be used; no
    /// Vulkan or speech on this machine; a disk that filled), and files that are missing or not
    /// readable. A bare ArgumentException, InvalidOperationException, FormatException or
    /// IOException is not among them: from our own code it is a bug, and says so.
    /// </summary>
    static bool IsUserError(Exception e) => e is UsageException or FrameSourceException or ReplayFormatException or DiskFullException or ClipOutputException
        or RealtimeMM.Bundle.ModelBundleException or RealtimeMM.Bundle.WorldException or RealtimeMM.Speech.SpeechUnavailableException
        or RealtimeMM.Speech.AudioFormatException or RealtimeMM.Speech.AudioInputException or RealtimeMM.Search.FrameIndexException or RealtimeMM.Teaching.VocabularyException or RealtimeMM.Clip.ClipBundleException
        or RealtimeMM.Cluster.CameraException or RealtimeMM.Cluster.CameraClusterException
        or FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException
        or NotSupportedException;

    static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
