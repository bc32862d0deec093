using System.Diagnostics;
using System.Text.RegularExpressions;
using RealtimeMM.Frames;

namespace RealtimeMM.Capture;

/// <summary>
/// A network stream (RTSP, HTTP, ...) decoded by Debian's ffmpeg into raw BGR24 on its stdout.
/// OpenCV's bundled FFmpeg has no network protocols, so streams go through the ffmpeg process.
/// One connection per source: the frame size is read from ffmpeg's own description of its output,
/// not from a separate probe (a one-client server would be used up by the probe).
/// </summary>
internal sealed partial class FfmpegStreamSource : FrameSourceBase
{
    readonly Process process;
    readonly Stream stdout;
    readonly Queue<string> log = new();
    readonly TimeSpan readTimeout;
    readonly long openTicks;
    int frameBytes;

    public FfmpegStreamSource(string url, FrameSourceOptions options) : base(Pacing.AsFastAsPossible)
    {
        readTimeout = options.ReadTimeout;
        var psi = new ProcessStartInfo(options.FfmpegPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        long timeoutUs = (long)options.OpenTimeout.TotalMicroseconds;
        foreach (var a in new[] { "-hide_banner", "-nostdin", "-loglevel", "info" })
            psi.ArgumentList.Add(a);
        // Socket-level timeouts so a dead peer ends ffmpeg instead of hanging it.
        psi.ArgumentList.Add(url.StartsWith("rtsp", StringComparison.OrdinalIgnoreCase) ? "-timeout" : "-rw_timeout");
        psi.ArgumentList.Add(timeoutUs.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var a in new[] { "-i", url, "-map", "0:v:0", "-an", "-f", "rawvideo", "-pix_fmt", "bgr24", "pipe:1" })
            psi.ArgumentList.Add(a);

        var sizeKnown = new TaskCompletionSource<(int W, int H, double Fps)>(TaskCreationOptions.RunContinuationsAsynchronously);
        bool inOutput = false;
        try
        {
            process = new Process { StartInfo = psi, EnableRaisingEvents = true };
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is null)
                {
                    sizeKnown.TrySetResult(default);
                    return;
                }
                lock (log)
                {
                    log.Enqueue(e.Data);
                    if (log.Count > 30)
                        log.Dequeue();
                }
                if (e.Data.StartsWith("Output #0", StringComparison.Ordinal))
                    inOutput = true;
                else if (inOutput && OutputStream().Match(e.Data) is { Success: true } m)
                    sizeKnown.TrySetResult((int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value),
                        double.TryParse(m.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture, out var f) ? f : 0));
            };
            if (!process.Start())
                throw new FrameSourceException(url, $"could not start {options.FfmpegPath}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new FrameSourceException(url, $"network streams need ffmpeg, and '{options.FfmpegPath}' could not be run ({e.Message}); install Debian's ffmpeg", e);
        }
        process.BeginErrorReadLine();
        stdout = process.StandardOutput.BaseStream;
        openTicks = Stopwatch.GetTimestamp();

        if (!sizeKnown.Task.Wait(options.OpenTimeout) || sizeKnown.Task.Result.W <= 0)
        {
            bool timedOut = !sizeKnown.Task.IsCompleted;
            Kill();
            throw new FrameSourceException(url, timedOut
                ? $"no video from the stream within {options.OpenTimeout.TotalSeconds:F0} s (unreachable or not a video stream)"
                : $"cannot open stream ({LastError()})");
        }
        var (w, h, fps) = sizeKnown.Task.Result;
        frameBytes = w * h * 3;
        Info = new FrameSourceInfo(FrameSourceKind.Stream, url, w, h, fps, null);
    }

    public override FrameSourceInfo Info { get; }

    private protected override Frame? ReadCore(long index, CancellationToken cancellationToken)
    {
        var frame = Frame.Allocate(Info.Width, Info.Height, index, TimeSpan.Zero);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(readTimeout);
            int got = 0;
            var memory = frame.PixelMemory;
            try
            {
                while (got < frameBytes)
                {
                    int n = stdout.ReadAsync(memory[got..], timeout.Token).AsTask().GetAwaiter().GetResult();
                    if (n == 0)
                        break;
                    got += n;
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new FrameSourceException(Info.Name, $"no data for {readTimeout.TotalSeconds:F0} s (stream stalled)");
            }
            if (got == 0)
            {
                frame.Dispose();
                process.WaitForExit(1000);
                return null; // the stream closed its end
            }
            if (got < frameBytes)
                throw new FrameSourceException(Info.Name, $"connection lost mid-frame ({LastError()})");
            frame.Timestamp = Stopwatch.GetElapsedTime(openTicks);
            return frame;
        }
        catch
        {
            frame.Dispose();
            throw;
        }
    }

    string LastError()
    {
        lock (log)
        {
            // ffmpeg ends with the reason; skip its summary lines.
            var line = log.Reverse().FirstOrDefault(l => l.Contains(':') && !l.StartsWith("  ", StringComparison.Ordinal)) ?? log.LastOrDefault();
            return line?.Trim() ?? "ffmpeg said nothing";
        }
    }

    void Kill()
    {
        try
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
            process.WaitForExit(2000);
        }
        catch (InvalidOperationException)
        {
            // never started or already gone
        }
    }

    private protected override void DisposeCore()
    {
        Kill();
        process.Dispose();
    }

    [GeneratedRegex(@"Stream #\d+:\d+.*: Video: rawvideo.*?, (\d{1,5})x(\d{1,5})(?:.*?, ([\d.]+) fps)?")]
    private static partial Regex OutputStream();
}
