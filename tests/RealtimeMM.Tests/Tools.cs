using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace RealtimeMM.Tests;

/// <summary>Runs the real outside programs tests need (ffmpeg, xwd) and finds free ports.</summary>
internal static class Tools
{
    public static string Run(string program, string arguments, int timeoutMs = 60_000)
    {
        using var p = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs))
        {
            p.Kill(true);
            Assert.Fail($"{program} {arguments}: timed out");
        }
        if (p.ExitCode != 0)
            Assert.Fail($"{program} {arguments}: exit {p.ExitCode}: {stderr.Result}");
        return stdout.Result;
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>
    /// A real HTTP MPEG-TS stream on loopback: ffmpeg serves an MPEG-TS file at real-time
    /// pace to one client, then exits. Dispose kills it.
    /// </summary>
    public sealed class StreamServer : IDisposable
    {
        readonly Process process;

        public StreamServer(string tsFile, int port)
        {
            Url = $"http://127.0.0.1:{port}/live.ts";
            process = Process.Start(new ProcessStartInfo("ffmpeg", $"-loglevel error -re -i {tsFile} -c copy -f mpegts -listen 1 {Url}")
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                RedirectStandardInput = true,
            })!;
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
            // wait until it listens
            var until = DateTime.UtcNow.AddSeconds(10);
            while (DateTime.UtcNow < until && !Listening(port))
                Thread.Sleep(50);
        }

        public string Url { get; }

        public bool HasExited => process.HasExited;

        static bool Listening(int port) =>
            System.Net.NetworkInformation.IPGlobalProperties.GetIPGlobalProperties().GetActiveTcpListeners().Any(e => e.Port == port);

        public void Dispose()
        {
            if (!process.HasExited)
                process.Kill(true);
            process.WaitForExit(5000);
            process.Dispose();
        }
    }
}
