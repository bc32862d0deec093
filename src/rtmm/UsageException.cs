namespace RealtimeMM.Cli;

/// <summary>
/// A user error the tool itself finds: options that do not go together, an input file it reads
/// that is not what it should be. Printed as one line, exit code 1 (<see cref="RtmmCli.UserError"/>).
/// Any exception that is neither this nor one of the SDK's typed input errors is an internal fault.
/// </summary>
internal sealed class UsageException(string message, Exception? inner = null) : Exception(message, inner);
