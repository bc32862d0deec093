using RealtimeMM.Cli;

return RtmmCli.Run(args, new Terminal(Console.Out, Console.Error, !Console.IsErrorRedirected));
