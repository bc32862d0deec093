namespace RealtimeMM.Frames;

/// <summary>
/// A one-frame mailbox between a producer (capture) and a consumer: the newest frame replaces
/// the one not yet taken, which is disposed and counted as dropped. It never queues, so a slow
/// consumer sees fresh frames and memory stays bounded. Thread-safe; any number of producers and
/// consumers.
/// </summary>
public sealed class FrameSlot : IDisposable
{
    readonly object gate = new();
    Frame? latest;
    TaskCompletionSource? waiter;
    bool completed;
    Exception? fault;
    long published, dropped;

    /// <summary>Frames put into the slot.</summary>
    public long Published { get { lock (gate) return published; } }

    /// <summary>Frames replaced before anyone took them.</summary>
    public long Dropped { get { lock (gate) return dropped; } }

    /// <summary>True once <see cref="Complete"/> was called: no more frames may be published.</summary>
    public bool IsClosed { get { lock (gate) return completed; } }

    /// <summary>True once <see cref="Complete"/> was called and the last frame was taken.</summary>
    public bool IsCompleted { get { lock (gate) return completed && latest is null; } }

    /// <summary>Puts a frame in the slot. Takes ownership of <paramref name="frame"/>.</summary>
    public void Publish(Frame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        Frame? replaced;
        TaskCompletionSource? wake;
        lock (gate)
        {
            if (completed)
            {
                frame.Dispose();
                throw new InvalidOperationException("cannot publish to a completed frame slot");
            }
            replaced = latest;
            latest = frame;
            published++;
            if (replaced is not null)
                dropped++;
            wake = waiter;
            waiter = null;
        }
        replaced?.Dispose();
        wake?.TrySetResult();
    }

    /// <summary>Takes the newest frame if there is one; the caller owns it.</summary>
    public bool TryTake(out Frame? frame)
    {
        lock (gate)
        {
            frame = latest;
            latest = null;
            return frame is not null;
        }
    }

    /// <summary>
    /// Waits for a frame and takes it (the caller owns it). Returns null when the producer has
    /// completed and no frame is left; rethrows the producer's error if it failed.
    /// </summary>
    public async ValueTask<Frame?> TakeAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task wait;
            lock (gate)
            {
                if (latest is not null)
                {
                    var f = latest;
                    latest = null;
                    return f;
                }
                if (completed)
                {
                    if (fault is not null)
                        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(fault);
                    return null;
                }
                waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = waiter.Task;
            }
            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Marks the end of the stream; waiting consumers get null (or <paramref name="error"/>).</summary>
    public void Complete(Exception? error = null)
    {
        TaskCompletionSource? wake;
        lock (gate)
        {
            if (completed)
                return;
            completed = true;
            fault = error;
            wake = waiter;
            waiter = null;
        }
        wake?.TrySetResult();
    }

    /// <summary>Completes the slot and disposes a frame nobody took.</summary>
    public void Dispose()
    {
        Complete();
        if (TryTake(out var f))
            f!.Dispose();
    }
}
