using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RealtimeMM.Frames;
using RealtimeMM.Gpu;
using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;
using RealtimeMM.Overlay;
using RealtimeMM.Search;

namespace RealtimeMM.Session;

/// <summary>
/// RealtimeMM embedded in an app or engine loop. <see cref="SubmitFrame(ReadOnlySpan{byte}, int, int, int)"/>
/// copies the frame into a pooled buffer and returns at once from any thread (the latest frame wins;
/// frames the worker had no time for are dropped and counted); one worker thread encodes the newest
/// frame and answers what is waiting on it: <see cref="AskAsync"/> questions (answered about the next
/// frame) and the standing questions (every frame, smoothed, published on <see cref="Answered"/> and
/// <see cref="Answers"/>). <see cref="RenderOverlay"/> blends the newest heatmap into a caller's buffer.
/// Disposing stops the worker, cancels what is still waiting and releases every GPU and native resource.
/// </summary>
public sealed partial class RealtimeSession : IAsyncDisposable, IDisposable
{
    readonly QuestionAnswerer answerer;
    internal QuestionAnswerer Answerer => answerer;
    readonly StandingQuestions standing;
    IOverlayRenderer overlay;
    readonly FrameSlot slot = new();
    readonly ConcurrentQueue<(string Question, TaskCompletionSource<Answer> Done)> asks = new();
    readonly Channel<Answer> published = Channel.CreateBounded<Answer>(new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropOldest });
    readonly CancellationTokenSource stop = new();
    readonly Task worker;
    readonly ILogger log;
    readonly Lock latestGate = new();
    readonly Lock standingGate = new();
    Frame? latest;
    AttentionMap? latestMap;
    readonly FrameIndexRecorder? index;
    readonly double startSeconds = Stopwatch.GetElapsedTime(0).TotalSeconds;
    long submitted, processed, answersCount, failedFrames, indexed;
    double lastEncodeMs, lastAnswerMs;
    int disposed;

    RealtimeSession(QuestionAnswerer answerer, RealtimeSessionOptions options, Teaching.TaughtAnswerer? taught)
    {
        this.answerer = answerer;
        this.taught = taught;
        log = options.Logger;
        // first: an index that cannot be opened throws before anything else is made
        index = OpenIndex(answerer, options, taught);
        standing = new StandingQuestions(answerer, options.Smoothing);
        // on a GPU the overlay is drawn by the Vulkan renderer on the answerer's device; on the CPU paths, in C#
        overlay = answerer.VulkanDevice is { } gpu ? new VulkanOverlayRenderer(gpu, new OverlaySpec()) : new CpuOverlayRenderer(new OverlaySpec());
        // Unwrap: StartNew of an async method returns the task of starting it, which completes at its first await;
        // Dispose must wait for the loop itself (else it could free the model and the newest frame under a frame in progress)
        // on the default scheduler, whatever scheduler the caller runs on (an Orleans grain, a UI loop): a long-running loop
        // started on the caller's scheduler would hold it for ever
        worker = Task.Factory.StartNew(Run, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    /// <summary>Loads the model and starts the worker. Throws <see cref="ModelBundleException"/> for a bad bundle path.</summary>
    public static RealtimeSession Create(RealtimeSessionOptions? options = null)
    {
        options ??= new RealtimeSessionOptions();
        var bundle = ModelBundle.Load(options.ModelFolder ?? ModelBundle.DefaultFolder, options.InferenceThreads, spinning: false);
        QuestionAnswerer answerer;
        try
        {
            answerer = new QuestionAnswerer(bundle, options.Device, ownsBundle: true, warn: m => options.Logger.LogWarning("{Message}", m));
        }
        catch
        {
            bundle.Dispose();
            throw;
        }
        options.Logger.LogInformation("RealtimeMM session: model {Model}, device {Device}", answerer.Bundle.Manifest.Name, answerer.Device);
        Teaching.TaughtAnswerer? taught = null;
        try
        {
            taught = OpenTaught(answerer, options); // before the worker starts: it adds an answerer
            return new RealtimeSession(answerer, options, taught);
        }
        catch
        {
            taught?.Dispose(); // a vocabulary or an index that cannot be opened: nothing left behind
            answerer.Dispose();
            throw;
        }
    }

    /// <summary>Where the model runs ("cpu" or "vulkan:NAME").</summary>
    public string Device => answerer.Device;

    /// <summary>Where <see cref="RenderOverlay"/> draws: <c>vulkan:NAME</c> on the answerer's device, or <c>cpu</c> (no device, or after a Vulkan failure).</summary>
    public string OverlayDevice
    {
        get
        {
            lock (latestGate)
                return overlay is VulkanOverlayRenderer && answerer.VulkanDevice is not null ? answerer.Device : "cpu";
        }
    }

    public SessionStats Stats => new(Interlocked.Read(ref submitted), Interlocked.Read(ref processed), slot.Dropped, Interlocked.Read(ref answersCount),
        Volatile.Read(ref lastEncodeMs), Volatile.Read(ref lastAnswerMs)) { FramesFailed = Interlocked.Read(ref failedFrames), FramesIndexed = Interlocked.Read(ref indexed) };

    /// <summary>Fault injection for tests: runs before each frame is encoded (throwing fails that frame).</summary>
    internal Action<Frame>? BeforeEncode { get; set; }

    /// <summary>
    /// Standing answers, as they come (also on <see cref="Answers"/>). Handlers run on the session's
    /// worker thread, between frames: a slow handler delays the next frame's answers, so hand slow
    /// work (UI updates, I/O) to your own thread or read <see cref="Answers"/> instead.
    /// </summary>
    public event EventHandler<Answer>? Answered;

    /// <summary>Submits a BGR24 frame (copied; returns at once). Frames may change size between calls.</summary>
    public void SubmitFrame(ReadOnlySpan<byte> bgr24, int width, int height, int stride)
    {
        ThrowIfDisposed();
        if (width < 1 || height < 1)
            throw new ArgumentOutOfRangeException(nameof(width), $"frame size {width}x{height}: both must be at least 1");
        if (stride < width * 3)
            throw new ArgumentOutOfRangeException(nameof(stride), $"stride {stride} is less than width x 3 = {width * 3} (BGR24)");
        long needed = (long)stride * (height - 1) + width * 3;
        if (bgr24.Length < needed)
            throw new ArgumentException($"the buffer holds {bgr24.Length} bytes; a {width}x{height} BGR24 frame with stride {stride} needs {needed}", nameof(bgr24));
        long index = Interlocked.Increment(ref submitted) - 1;
        slot.Publish(Frame.CopyFrom(bgr24, width, height, stride, index, Stopwatch.GetElapsedTime(0)));
    }

    /// <summary>Submits a BGR24 frame at <paramref name="pixels"/> (copied before this returns).</summary>
    public unsafe void SubmitFrame(nint pixels, int width, int height, int stride)
    {
        if (pixels == 0)
            throw new ArgumentNullException(nameof(pixels), "the frame pointer is null");
        SubmitFrame(new ReadOnlySpan<byte>((void*)pixels, checked(stride * (height - 1) + width * 3)), width, height, stride);
    }

    /// <summary>
    /// Answers <paramref name="question"/> about the next frame the worker processes. In a stream that is
    /// the newest frame; to ask about one image, ask first and then submit it (asked after its frame was
    /// processed, a question waits for the next frame).
    /// </summary>
    public Task<Answer> AskAsync(string question, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(question);
        ThrowIfDisposed();
        var done = new TaskCompletionSource<Answer>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (cancellationToken.CanBeCanceled)
        {
            var registration = cancellationToken.Register(() => done.TrySetCanceled(cancellationToken));
            done.Task.ContinueWith(_ => registration.Dispose(), TaskScheduler.Default);
        }
        asks.Enqueue((question, done));
        if (Volatile.Read(ref disposed) != 0)
            done.TrySetException(new ObjectDisposedException(nameof(RealtimeSession)));
        return done.Task;
    }

    public void AddStandingQuestion(string question)
    {
        ArgumentNullException.ThrowIfNull(question);
        lock (standingGate)
            standing.Add(question);
    }

    public bool RemoveStandingQuestion(string question)
    {
        lock (standingGate)
            return standing.Remove(question);
    }

    /// <summary>Standing answers as an async stream (ends when the session is disposed).</summary>
    public IAsyncEnumerable<Answer> Answers(CancellationToken cancellationToken = default) => published.Reader.ReadAllAsync(cancellationToken);

    /// <summary>
    /// Writes the newest processed frame with the first standing question's heatmap into
    /// <paramref name="destination"/> (BGR24, the frame's own size). False when there is no frame yet
    /// or the sizes differ (<paramref name="width"/>/<paramref name="height"/> say what was expected).
    /// </summary>
    public bool RenderOverlay(Span<byte> destination, int destinationStride, out int width, out int height)
    {
        ThrowIfDisposed();
        lock (latestGate)
        {
            width = latest?.Width ?? 0;
            height = latest?.Height ?? 0;
            if (latest is null || destinationStride < latest.Width * 3 || destination.Length < destinationStride * (latest.Height - 1) + latest.Width * 3)
                return false;
            using var shown = latestMap is { } map ? Blend(latest, map) : latest.Clone(latest.Index, latest.Timestamp);
            for (int y = 0; y < shown.Height; y++)
                shown.Row(y)[..(shown.Width * 3)].CopyTo(destination.Slice(y * destinationStride, shown.Width * 3));
            return true;
        }
    }

    /// <summary>The heatmap over a frame; a Vulkan failure (or the answerer's move to the CPU) moves the overlay to the CPU renderer for good.</summary>
    Frame Blend(Frame frame, AttentionMap map)
    {
        if (overlay is VulkanOverlayRenderer && answerer.VulkanDevice is null)
            UseCpuOverlay();
        try
        {
            return overlay.Blend(frame, map.Values, map.GridWidth, map.GridHeight);
        }
        catch (Gpu.VulkanException e) when (overlay is VulkanOverlayRenderer)
        {
            log.LogWarning("RealtimeMM: the overlay's Vulkan device failed ({Reason}); drawing on the CPU", e.Message);
            UseCpuOverlay();
            return overlay.Blend(frame, map.Values, map.GridWidth, map.GridHeight);
        }
    }

    void UseCpuOverlay()
    {
        var old = overlay;
        overlay = new CpuOverlayRenderer(new OverlaySpec());
        try
        {
            old.Dispose();
        }
        catch (Gpu.VulkanException)
        {
            // a lost device may fail while its objects go
        }
    }

    async Task Run()
    {
        var token = stop.Token;
        try
        {
            while (await slot.TakeAsync(token) is { } frame)
            {
                using (frame)
                {
                    try
                    {
                        Process(frame);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        // one bad frame fails the questions waiting on it, not the session
                        if (Interlocked.Increment(ref failedFrames) == 1)
                            log.LogError(e, "RealtimeMM: frame {Index} could not be processed; the session goes on (further failures are counted in Stats.FramesFailed)", frame.Index);
                        FailWaiting(new FrameProcessingException(frame.Index, e));
                    }
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            log.LogError(e, "RealtimeMM session worker stopped");
            FailWaiting(e);
        }
    }

    void Process(Frame frame)
    {
        BeforeEncode?.Invoke(frame);
        long t0 = Stopwatch.GetTimestamp();
        using var encoded = answerer.Encode(frame); // its image buffers go back to the answerer for the next frame
        long t1 = Stopwatch.GetTimestamp();
        Index(frame, encoded);
        var pending = new List<(string Question, TaskCompletionSource<Answer> Done)>();
        while (asks.TryDequeue(out var a))
            if (!a.Done.Task.IsCompleted) // cancelled while waiting: nothing to answer
                pending.Add(a);
        Answer[] asked = pending.Count > 0 ? answerer.AskMany(encoded, pending.Select(p => p.Question).ToList()) : [];
        IReadOnlyList<Answer> standingAnswers;
        lock (standingGate)
            standingAnswers = standing.Questions.Count > 0 ? standing.Update(encoded) : [];
        (asked, standingAnswers) = (Array.ConvertAll(asked, a => Stamped(a, frame)), standingAnswers.Select(a => Stamped(a, frame)).ToList());
        lock (latestGate)
        {
            latest?.Dispose();
            latest = frame.Clone(frame.Index, frame.Timestamp);
            // the heatmap follows the first standing question, else the latest asked one
            latestMap = standingAnswers.FirstOrDefault()?.Attention ?? asked.FirstOrDefault()?.Attention ?? latestMap;
        }
        // the stats count this frame before anyone hears its answers, so a caller that awaited one sees it counted
        Volatile.Write(ref lastEncodeMs, Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds);
        Volatile.Write(ref lastAnswerMs, Stopwatch.GetElapsedTime(t1).TotalMilliseconds);
        Interlocked.Add(ref answersCount, asked.Length + standingAnswers.Count);
        Interlocked.Increment(ref processed);
        for (int i = 0; i < pending.Count; i++)
            pending[i].Done.TrySetResult(asked[i]);
        foreach (var a in standingAnswers)
        {
            published.Writer.TryWrite(a);
            Answered?.Invoke(this, a);
        }
    }

    void FailWaiting(Exception e)
    {
        while (asks.TryDequeue(out var a))
            a.Done.TrySetException(e);
    }

    void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
            return;
        stop.Cancel();
        slot.Complete();
        try
        {
            await worker.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        while (asks.TryDequeue(out var a))
            a.Done.TrySetCanceled();
        published.Writer.TryComplete();
        lock (latestGate)
        {
            latest?.Dispose();
            latest = null;
        }
        bool failedBefore = index?.Failure is not null;
        index?.Dispose();
        if (!failedBefore && index?.Failure is { } failure)
            log.LogError("RealtimeMM: {Failure}", failure);
        slot.Dispose();
        overlay.Dispose();
        answerer.Dispose();
        taught?.Dispose();
        stop.Dispose();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
