using RealtimeMM.Frames;

namespace RealtimeMM.Capture;

/// <summary>
/// Reads a source on its own thread into a <see cref="FrameSlot"/> (latest frame wins), so a slow
/// consumer never backs up capture. Live sources (cameras, streams) that fail to open or drop are
/// reopened with backoff; recorded sources end the slot at their end or first error. Timestamps
/// stay strictly increasing across reconnects.
/// </summary>
public sealed class FramePump : IDisposable
{
    readonly Func<IFrameSource> open;
    readonly FrameSlot slot;
    readonly ReconnectPolicy policy;
    readonly bool live;
    readonly string name;
    readonly CancellationTokenSource stop = new();
    readonly Task loop;
    long captured;
    int reconnects;

    /// <summary>
    /// Starts pumping. Does not take ownership of <paramref name="slot"/>: keep it alive until this
    /// pump is disposed. Each source that <paramref name="open"/> returns is owned and disposed here.
    /// </summary>
    /// <param name="open">Opens the source; called again for each reconnect.</param>
    /// <param name="name">The source's name, for events.</param>
    /// <param name="isLive">Whether failures to open or read are worth retrying.</param>
    /// <param name="slot">Where frames go; the newest replaces one not yet taken.</param>
    /// <param name="policy">Backoff for live sources; default <see cref="ReconnectPolicy"/>.</param>
    /// <param name="onEvent">Called on the pump's thread for connects, drops and retries.</param>
    public FramePump(Func<IFrameSource> open, string name, bool isLive, FrameSlot slot, ReconnectPolicy? policy = null, Action<FramePumpEvent>? onEvent = null)
    {
        ArgumentNullException.ThrowIfNull(open);
        ArgumentNullException.ThrowIfNull(slot);
        this.open = open;
        this.name = name;
        this.slot = slot;
        this.policy = policy ?? new ReconnectPolicy();
        live = isLive;
        OnEvent = onEvent;
        // the default scheduler, not the caller's (an Orleans grain's would be held by this loop for ever)
        loop = Task.Factory.StartNew(Run, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    Action<FramePumpEvent>? OnEvent { get; }

    /// <summary>Completes when the source ended, failed for good, or the pump was disposed.</summary>
    public Task Completion => loop;

    /// <summary>Frames read from the source.</summary>
    public long FramesCaptured => Interlocked.Read(ref captured);

    /// <summary>Successful reconnects after a drop or a failed first open.</summary>
    public int Reconnects => Volatile.Read(ref reconnects);

    void Run()
    {
        var token = stop.Token;
        int attempt = 0;
        bool everConnected = false;
        TimeSpan last = TimeSpan.MinValue, offset = TimeSpan.Zero;
        try
        {
            while (!token.IsCancellationRequested)
            {
                IFrameSource source;
                try
                {
                    source = open();
                }
                catch (FrameSourceException e) when (live)
                {
                    if (!Retry(ref attempt, e, token))
                        return;
                    continue;
                }
                if (everConnected || attempt > 0)
                    Interlocked.Increment(ref reconnects);
                everConnected = true;
                attempt = 0;
                Raise(new FramePumpEvent(FramePumpEventKind.Connected, name));
                bool firstOfConnection = true;
                Exception? dropped = null;
                using (source)
                {
                    while (!token.IsCancellationRequested)
                    {
                        Frame? frame;
                        try
                        {
                            frame = source.Read(token);
                        }
                        catch (FrameSourceException e) when (live)
                        {
                            dropped = e;
                            break;
                        }
                        if (frame is null)
                        {
                            if (live)
                                dropped = new FrameSourceException(name, "the source closed the connection");
                            break;
                        }
                        // A new connection restarts the source's clock: shift it past the last frame.
                        if (firstOfConnection && last != TimeSpan.MinValue)
                            offset = last + TimeSpan.FromMilliseconds(1) - frame.Timestamp;
                        firstOfConnection = false;
                        frame.Timestamp += offset;
                        last = frame.Timestamp;
                        Interlocked.Increment(ref captured);
                        if (slot.IsClosed)
                        {
                            frame.Dispose();
                            return; // the consumer closed the slot: nobody is listening
                        }
                        slot.Publish(frame);
                    }
                }
                if (dropped is null)
                {
                    if (!token.IsCancellationRequested)
                        Raise(new FramePumpEvent(FramePumpEventKind.Ended, name));
                    slot.Complete();
                    return;
                }
                Raise(new FramePumpEvent(FramePumpEventKind.Dropped, name, Error: dropped));
                if (!Retry(ref attempt, dropped, token))
                    return;
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            Raise(new FramePumpEvent(FramePumpEventKind.Failed, name, Error: e));
            slot.Complete(e);
        }
        finally
        {
            slot.Complete(); // no-op when already completed with an error
        }
    }

    bool Retry(ref int attempt, Exception error, CancellationToken token)
    {
        attempt++;
        if (policy.MaxAttempts is int max && attempt > max)
        {
            var final = new FrameSourceException(name, $"gave up after {attempt - 1} reconnect attempts: {(error as FrameSourceException)?.Problem ?? error.Message}", error);
            Raise(new FramePumpEvent(FramePumpEventKind.Failed, name, attempt - 1, Error: final));
            slot.Complete(final);
            return false;
        }
        var delay = policy.DelayFor(attempt);
        Raise(new FramePumpEvent(FramePumpEventKind.Reconnecting, name, attempt, delay, error));
        return !token.WaitHandle.WaitOne(delay);
    }

    void Raise(FramePumpEvent e)
    {
        try
        {
            OnEvent?.Invoke(e);
        }
        catch
        {
            // A listener's bug must not stop capture.
        }
    }

    /// <summary>Stops the pump and waits for its thread; the current source is disposed.</summary>
    public void Dispose()
    {
        stop.Cancel();
        try
        {
            loop.Wait(TimeSpan.FromSeconds(15));
        }
        catch (AggregateException)
        {
        }
        stop.Dispose();
    }
}
