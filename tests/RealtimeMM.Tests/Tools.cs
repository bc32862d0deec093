using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace RealtimeMM.Tests;

/// <summary>Runs the real outside programs tests need (ffmpeg, xwd) and finds free ports.</summary>
internal static class Tools
{
    /// <summary>The process's working set after a full collection (for leak checks).</summary>
    public static long WorkingSetAfterGc()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return Process.GetCurrentProcess().WorkingSet64;
    }

    /// <summary>File descriptors the process holds open (for leak checks).</summary>
    public static int OpenHandles() => Directory.GetFiles("/proc/self/fd").Length;

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

    /// <summary>The repository checkout the test binaries were built in (the folder with RealtimeMM.sln).</summary>
    public static string RepositoryRoot()
    {
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "RealtimeMM.sln")))
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("the repository root is not above the test binaries");
        return root;
    }

    /// <summary>The X window id of the first window titled <paramref name="title"/>, waiting up to <paramref name="timeoutMs"/>; null if none came.</summary>
    public static string? FindWindow(string title, int timeoutMs = 10_000)
    {
        for (var clock = System.Diagnostics.Stopwatch.StartNew(); clock.ElapsedMilliseconds < timeoutMs;)
        {
            Thread.Sleep(100);
            using var search = Process.Start(new ProcessStartInfo("xdotool", $"search --name \"{title}\"") { RedirectStandardOutput = true })!;
            var window = search.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            search.WaitForExit();
            if (!string.IsNullOrEmpty(window))
                return window;
        }
        return null;
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
