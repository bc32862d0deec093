using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using RealtimeMM.Cluster;

namespace RealtimeMM.Tests.Cluster;

/// <summary>
/// A redis-server of the test's own (Debian's, installed by tools/setup) on a free loopback port,
/// stopped on Dispose. With a folder, it keeps an append-only file there, so a server started again
/// on the same port and folder finds what the last one held (Redis lost and back).
/// </summary>
sealed class LoopbackRedis : IDisposable
{
    Process? server;
    readonly string? folder;

    public LoopbackRedis(string? folder = null, int? port = null)
    {
        this.folder = folder;
        Port = port ?? FreePort();
        Start();
    }

    public int Port { get; }
    public string Address => $"127.0.0.1:{Port}";

    internal static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>Starts the server (again) and waits until it answers.</summary>
    public void Start()
    {
        string persistence = folder is null ? "--save \"\" --appendonly no" : $"--save \"\" --appendonly yes --appendfsync always --dir {folder}";
        if (folder is not null)
            Directory.CreateDirectory(folder);
        server = Process.Start(new ProcessStartInfo("redis-server", $"--port {Port} --bind 127.0.0.1 {persistence}")
            { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                CameraCluster.CheckRedis(Address);
                return;
            }
            catch (CameraClusterException) when (clock.Elapsed < TimeSpan.FromSeconds(10))
            {
                Thread.Sleep(100);
            }
        }
    }

    /// <summary>Kills the server (SIGKILL: Redis lost, not stopped).</summary>
    public void Kill()
    {
        if (server is { HasExited: false })
            server.Kill();
        server?.WaitForExit(5000);
        server?.Dispose();
        server = null;
    }

    public void Dispose() => Kill();
}
