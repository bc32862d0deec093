using System.Collections.Concurrent;
using System.Diagnostics;
using RealtimeMM.Answering;
using RealtimeMM.Capture;
using RealtimeMM.Frames;
using RealtimeMM.Search;
using RealtimeMM.Session;
using RealtimeMM.Sources;

namespace RealtimeMM.Cluster;

/// <summary>
/// One camera, running where it is: its source read by a <see cref="FramePump"/> (live sources and
/// looping recordings reconnect with backoff, for ever) into a <see cref="RealtimeSession"/> that
/// answers its standing questions about every frame it processes (the latest frame wins). Thread-safe.
/// </summary>
internal sealed class CameraPipeline : IAsyncDisposable
{
    readonly string camera;
    readonly CameraOptions options;
    readonly RealtimeSession session;
    readonly FrameSlot slot = new();
    readonly FramePump pump;
    readonly Task feeder;
    readonly ConcurrentDictionary<string, Answer?> standing = new(StringComparer.Ordinal); // null until first answered
    readonly Dictionary<string, TextAlert> alerts = new(StringComparer.Ordinal); // by its presence question; read on the session's worker only after start
    readonly ConcurrentQueue<CameraAlert> raised = new();
    readonly ConcurrentQueue<CameraAnswer> answers = new();
    long answersSkipped;
    readonly string silo;
    readonly Lock gate = new();
    readonly Queue<(long Ticks, long Processed)> rate = new();
    string state = "starting";
    string? lastError;
    readonly bool loopsRecording;
    readonly CameraIndex? index;
    readonly Lock searchGate = new();
    TextSearch? textSearch;
    bool disposed;
    int outstandingAsks;
    readonly int yes; // the answer vocabulary's "yes", for alert scores

    CameraPipeline(string camera, CameraSpec spec, CameraOptions options, RealtimeSession session, string silo, IReadOnlySet<string> presentAlerts, CameraIndex? index)
    {
        this.index = index;
        this.camera = camera;
        this.silo = silo;
        this.options = options;
        this.session = session;
        yes = Array.IndexOf(session.Answerer.Bundle.Manifest.Answers, "yes");
        Spec = spec;
        foreach (var q in spec.StandingQuestions)
            AddStanding(q);
        foreach (var text in spec.Alerts)
        {
            var alert = new TextAlert(text, present: presentAlerts.Contains(text));
            alerts[TextSearch.PresenceQuestion(alert.Text)] = alert;
        }
        session.Answered += (_, a) =>
        {
            if (standing.ContainsKey(a.Query))
            {
                standing[a.Query] = a;
                if (answers.Count < MaxQueuedAnswers)
                    answers.Enqueue(CameraAnswer.From(camera, a));
                else
                    Interlocked.Increment(ref answersSkipped);
            }
            if (alerts.TryGetValue(a.Query, out var alert))
            {
                float score = TextAlerts.Score(a, yes); // as the SDK's own alerts score it
                if (alert.Update(score) is { } up)
                    raised.Enqueue(new CameraAlert { Camera = camera, Text = alert.Text, Raised = up, Score = score, At = DateTimeOffset.UtcNow, Silo = silo });
            }
        };
        foreach (var question in alerts.Keys)
            session.AddStandingQuestion(question);
        bool live = FrameSource.Classify(spec.Source) is FrameSourceKind.Camera or FrameSourceKind.Stream;
        loopsRecording = spec.Loop && !live;
        live |= spec.Loop;
        pump = new FramePump(() => FrameSource.Open(spec.Source, new FrameSourceOptions { Pacing = Pacing.RealTime }), spec.Source, live, slot,
            new ReconnectPolicy { MaxAttempts = null }, OnEvent);
        feeder = Task.Run(Feed);
    }

    public CameraSpec Spec { get; }

    /// <summary>Opens the camera's session (the model loads here) and starts reading its source.</summary>
    /// <param name="presentAlerts">Alerts that were up where the camera ran before (they start present).</param>
    /// <param name="indexes">Where the camera's frame index goes (null: none).</param>
    public static CameraPipeline Start(string camera, CameraSpec spec, CameraOptions options, string silo, IReadOnlySet<string> presentAlerts, CameraIndexStore? indexes)
    {
        CameraIndex? index = null;
        var sessionOptions = new RealtimeSessionOptions
        {
            ModelFolder = options.ModelFolder, Device = options.Device, IndexSampling = options.IndexSampling,
            IndexWriter = indexes is null ? null : header => index = indexes.Open(camera, header),
        };
        if (options.InferenceThreads is int threads)
            sessionOptions = sessionOptions with { InferenceThreads = threads };
        var session = RealtimeSession.Create(sessionOptions);
        try
        {
            return new CameraPipeline(camera, spec, options, session, silo, presentAlerts, index);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Searches the camera's index (the frames it stored, in memory here, in Redis for good) for <paramref name="text"/>.</summary>
    public CameraSearchResult Search(string text, CameraSearchOptions options)
    {
        if (index is null)
            return new CameraSearchResult { Camera = camera, Problem = "the camera keeps no index (its silo has no CameraIndexStore)" };
        TextSearchResult found;
        lock (searchGate)
        {
            if (disposed)
                throw new CameraException(camera, "stopped while it was searched");
            textSearch ??= session.CreateTextSearch();
            found = index.Find(textSearch, text, options.ToSearchOptions());
        }
        return new CameraSearchResult
        {
            Camera = camera, Problem = found.Reason, Threshold = found.Threshold, Best = found.BestScore,
            Hits = found.Hits.Select(h => new CameraSearchHit { Camera = camera, Frame = h.FrameIndex, At = DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(h.Seconds * 1000)), Score = h.Score }).ToList(),
        };
    }

    void OnEvent(FramePumpEvent e)
    {
        lock (gate)
        {
            // a looping recording "drops" at its end and opens again: that is no problem to report
            if (loopsRecording && e.Kind is FramePumpEventKind.Dropped or FramePumpEventKind.Reconnecting && e.Error is FrameSourceException { Problem: "the source closed the connection" })
                return;
            switch (e.Kind)
            {
                case FramePumpEventKind.Connected:
                    state = "running";
                    break;
                case FramePumpEventKind.Reconnecting:
                    state = "reconnecting";
                    lastError = e.Error?.Message ?? lastError;
                    break;
                case FramePumpEventKind.Dropped:
                    lastError = e.Error?.Message;
                    break;
                case FramePumpEventKind.Ended:
                    state = "ended";
                    break;
                case FramePumpEventKind.Failed:
                    state = "failed";
                    lastError = e.Error?.Message;
                    break;
            }
        }
    }

    async Task Feed()
    {
        try
        {
            while (await slot.TakeAsync() is { } frame)
                using (frame)
                    session.SubmitFrame(frame.Pixels, frame.Width, frame.Height, frame.Stride);
        }
        catch (Exception e) when (e is not ObjectDisposedException)
        {
            lock (gate)
            {
                state = "failed";
                lastError = e.Message;
            }
        }
    }

    public void AddStanding(string question)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(question);
        if (standing.TryAdd(question, null))
            session.AddStandingQuestion(question);
    }

    /// <summary>Alerts raised or cleared since the last call, oldest first.</summary>
    public List<CameraAlert> TakeAlerts()
    {
        var list = new List<CameraAlert>();
        while (raised.TryDequeue(out var a))
            list.Add(a);
        return list;
    }

    const int MaxQueuedAnswers = 4096;

    /// <summary>The standing answers given since the last call, oldest first, and how many were left out since (more than <see cref="MaxQueuedAnswers"/> waited).</summary>
    public (List<CameraAnswer> Answers, long Skipped) TakeAnswers()
    {
        var list = new List<CameraAnswer>();
        while (answers.TryDequeue(out var a))
            list.Add(a);
        return (list, Interlocked.Exchange(ref answersSkipped, 0));
    }

    /// <summary>The latest answer to each standing question that has one.</summary>
    public IReadOnlyList<Answer> Standing() => standing.Values.OfType<Answer>().ToList();

    /// <summary>Answers about the next frame processed; <see cref="CameraException"/> when the source has ended or failed, or no frame comes in time.</summary>
    public async Task<Answer> Ask(string question)
    {
        Interlocked.Increment(ref outstandingAsks);
        try
        {
            return await AskNext(question);
        }
        finally
        {
            Interlocked.Decrement(ref outstandingAsks);
        }
    }

    async Task<Answer> AskNext(string question)
    {
        ThrowIfOver();
        var asked = session.AskAsync(question);
        var done = await Task.WhenAny(asked, Task.Delay(options.AskTimeout));
        if (done != asked)
        {
            ThrowIfOver();
            throw new CameraException(camera, $"no frame in {options.AskTimeout.TotalSeconds:F0} s to answer '{question}' (state {State})");
        }
        try
        {
            return await asked;
        }
        catch (OperationCanceledException)
        {
            throw new CameraException(camera, $"stopped while '{question}' waited for a frame");
        }
    }

    void ThrowIfOver()
    {
        lock (gate)
            if (state is "ended" or "failed")
                throw new CameraException(camera, state == "ended" ? $"its source {Spec.Source} ended" : $"its source failed: {lastError}");
    }

    string State
    {
        get
        {
            lock (gate)
                return state;
        }
    }

    public CameraHealth Health(string silo)
    {
        var stats = session.Stats;
        double perSecond;
        lock (gate)
        {
            long now = Stopwatch.GetTimestamp();
            rate.Enqueue((now, stats.FramesProcessed));
            while (rate.Count > 2 && Stopwatch.GetElapsedTime(rate.Peek().Ticks, now) > TimeSpan.FromSeconds(5))
                rate.Dequeue();
            var (t0, p0) = rate.Peek();
            double seconds = Stopwatch.GetElapsedTime(t0, now).TotalSeconds;
            perSecond = seconds > 0 ? (stats.FramesProcessed - p0) / seconds : 0;
            return new CameraHealth
            {
                Camera = camera, Source = Spec.Source, State = state, FramesCaptured = pump.FramesCaptured, FramesProcessed = stats.FramesProcessed,
                ProcessedPerSecond = Math.Round(perSecond, 2), LastError = lastError, Reconnects = pump.Reconnects, Silo = silo,
                IndexFrames = index?.Count ?? 0, IndexFlushed = index?.Flushed ?? 0, IndexDropped = index?.Dropped ?? 0, IndexError = index?.LastError,
            };
        }
    }

    /// <summary>
    /// Stops the camera. A graceful stop (a silo shutting down, the camera removed or restarted) first lets
    /// the questions that wait for the next frame have it, for as long as a question may wait: no answer
    /// promised to a caller is dropped while the source still sends frames.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        var clock = Stopwatch.StartNew();
        while (Volatile.Read(ref outstandingAsks) > 0 && clock.Elapsed < options.AskTimeout && State is not ("ended" or "failed"))
            await Task.Delay(10).ConfigureAwait(false);
        lock (searchGate)
            disposed = true;
        pump.Dispose();
        slot.Complete();
        await feeder;
        await session.DisposeAsync();
        slot.Dispose();
    }
}
