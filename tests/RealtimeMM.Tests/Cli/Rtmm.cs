using RealtimeMM.Cli;

namespace RealtimeMM.Tests.Cli;

/// <summary>Runs <c>rtmm</c> in-process with captured output.</summary>
internal static class Rtmm
{
    public sealed record Result(int ExitCode, string Out, string Error)
    {
        public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        public override string ToString() => $"exit {ExitCode}\nstdout: {Out}\nstderr: {Error}";
    }

    public static Result Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = RtmmCli.Run(args, new Terminal(o, e, Interactive: false));
        return new Result(code, o.ToString(), e.ToString());
    }
}
