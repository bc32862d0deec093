// A game-loop host: a fixed 60 Hz tick renders a frame (here: a generated animated scene) and
// submits it; answers to a standing question arrive asynchronously and never hold the tick up.
// dotnet run --project examples/GameLoop -- [SECONDS] ["question"]
using System.Diagnostics;
using RealtimeMM.Scenes;
using RealtimeMM.Session;

double seconds = args.Length > 0 ? double.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 10;
string question = args.Length > 1 ? args[1] : "how many cars are there";

await using var session = RealtimeSession.Create();
session.AddStandingQuestion(question);
long answers = 0;
string last = "";
session.Answered += (_, a) => { Interlocked.Increment(ref answers); last = a.Text; };

// the "renderer": frames of a generated clip, one per tick
var options = new SceneOptions { Width = 640, Height = 480 };
var frames = Enumerable.Range(0, 30).Select(i => SceneGenerator.Render(5, i, options).Bgr).ToArray();

var tick = TimeSpan.FromSeconds(1.0 / 60);
var ticks = new List<double>();
var clock = Stopwatch.StartNew();
for (long n = 0; clock.Elapsed.TotalSeconds < seconds; n++)
{
    long t0 = Stopwatch.GetTimestamp();
    session.SubmitFrame(frames[n % frames.Length], options.Width, options.Height, options.Width * 3); // game work would go here too
    ticks.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
    var next = tick * (n + 1) - clock.Elapsed;
    if (next > TimeSpan.Zero)
        Thread.Sleep(next);
}
ticks.Sort();
var s = session.Stats;
Console.WriteLine($"{ticks.Count} ticks in {clock.Elapsed.TotalSeconds:F1} s; tick work p50 {ticks[ticks.Count / 2]:F3} ms, p99 {ticks[(int)(ticks.Count * 0.99)]:F3} ms, max {ticks[^1]:F3} ms");
Console.WriteLine($"frames submitted {s.FramesSubmitted}, processed {s.FramesProcessed}, dropped {s.FramesDropped}; {Interlocked.Read(ref answers)} answers, last: {question}? {last}");
