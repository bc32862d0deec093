using System.Collections.Concurrent;

namespace RealtimeMM.Speech;

/// <summary>
/// Listens on an audio input on its own thread. Push-to-talk: audio between
/// <see cref="StartTalking"/> and <see cref="StopTalking"/> is one question (trimmed by the
/// endpointer). Always listening: every utterance the endpointer finds is one. Results queue up
/// for the caller's thread (<see cref="TryTake"/>), which can then choose among the hypotheses with
/// the frame it is showing. A failing input stops listening and is reported once, never thrown
/// into the caller's loop.
/// </summary>
public sealed class SpeechListener : IDisposable
{
    readonly IAudioInput input;
    readonly SpeechRecognizer recognizer;
    readonly bool alwaysListening;
    readonly CancellationTokenSource stop = new();
    readonly Thread thread;
    readonly ConcurrentQueue<SpeechResult> heard = new();
    readonly List<short> held = [];
    readonly Lock gate = new();
    volatile bool talking;
    bool flush;

    public SpeechListener(IAudioInput input, SpeechRecognizer recognizer, bool alwaysListening = false)
    {
        this.input = input;
        this.recognizer = recognizer;
        this.alwaysListening = alwaysListening;
        thread = new Thread(Run) { IsBackground = true, Name = "rtmm speech" };
        thread.Start();
    }

    public bool Talking => talking;

    /// <summary>Why listening stopped (the input failed), or null while it works.</summary>
    public string? Failure { get; private set; }

    public void StartTalking()
    {
        lock (gate)
        {
            held.Clear();
            talking = true;
        }
    }

    /// <summary>Ends the question: what was said since <see cref="StartTalking"/> is recognised on the listener's thread.</summary>
    public void StopTalking()
    {
        lock (gate)
        {
            talking = false;
            flush = true;
        }
    }

    public bool TryTake(out SpeechResult result) => heard.TryDequeue(out result!);

    void Run()
    {
        var chunk = new short[WavFile.SpeechRate / 50]; // 20 ms
        var endpointer = new Endpointer();
        try
        {
            while (!stop.IsCancellationRequested)
            {
                int n = input.Read(chunk, stop.Token);
                if (n == 0)
                    break;
                if (alwaysListening)
                {
                    foreach (var u in endpointer.Feed(chunk.AsSpan(0, n)))
                        heard.Enqueue(recognizer.Recognize(u.Samples));
                    continue;
                }
                short[]? question = null;
                lock (gate)
                {
                    if (talking)
                        held.AddRange(chunk.AsSpan(0, n));
                    if (flush)
                    {
                        question = held.ToArray();
                        held.Clear();
                        flush = false;
                    }
                }
                if (question is not null)
                {
                    var utterances = Endpointer.Split(question);
                    heard.Enqueue(utterances.Count == 0
                        ? new SpeechResult([], question.Length * 1000.0 / WavFile.SpeechRate, 0)
                        : recognizer.Recognize(utterances.SelectMany(u => u.Samples).ToArray()));
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e) when (e is AudioInputException or IOException)
        {
            Failure = e.Message;
        }
    }

    public void Dispose()
    {
        stop.Cancel();
        thread.Join();
        stop.Dispose();
    }
}
