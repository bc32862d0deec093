using System.Diagnostics;
using System.Text.Json;
using OpenCvSharp;
using RealtimeMM.Features;
using RealtimeMM.Session;

namespace RealtimeMM.Cli.Bench;

/// <summary>
/// Taught questions on a real 640x480 stream, end to end: each frame of the annotated vtest.avi
/// frames is decoded from its JPEG, resized to 640x480 and submitted to a <see cref="RealtimeSession"/>
/// with one standing question, "how many people are there", and the next frame goes once it is
/// answered (none dropped). The same run asks the same question of a session without teaching,
/// where the scene model answers it ("person" is one of its classes): the ratio is the price of
/// real-image features.
/// </summary>
internal static class TaughtBench
{
    public sealed record Run(string Answerer, string Features, int Frames, double Seconds, double EncodeMs, double AnswerMs, string Device)
    {
        public double Fps => Frames / Seconds;
    }

    /// <summary>One taught run for each feature density (their cost and the SDK's default side by side), then the scene model's.</summary>
    public static (IReadOnlyList<Run> Taught, Run Scene) Measure(string footage, double seconds, int threads, IReadOnlyList<FeatureDensity> densities, Action<string> progress)
    {
        string json = Path.Combine(footage, "vtest.json");
        if (!File.Exists(json))
            throw new FileNotFoundException($"{json}: not found (--footage names the folder of tests/data/real-footage)");
        var root = JsonDocument.Parse(File.ReadAllText(json)).RootElement;
        var files = root.GetProperty("frames").EnumerateArray().Select(f => File.ReadAllBytes(Path.Combine(footage, f.GetProperty("file").GetString()!))).ToArray();
        var teach = root.GetProperty("teach").EnumerateArray().First(t => t.GetProperty("name").GetString() == "person");
        var teachFrame = Resized(File.ReadAllBytes(Path.Combine(footage, teach.GetProperty("file").GetString()!)), out double sx, out double sy);
        var boxes = teach.GetProperty("boxes").EnumerateArray()
            .Select(b => new BoxF((float)(b[0].GetDouble() * sx), (float)(b[1].GetDouble() * sy), (float)(b[2].GetDouble() * sx), (float)(b[3].GetDouble() * sy))).ToArray();

        Run Time(bool teaching, FeatureDensity density)
        {
            var features = new ImageFeatureOptions { Threads = threads, Spinning = false, Density = density };
            using var session = RealtimeSession.Create(new RealtimeSessionOptions { Teaching = teaching, InferenceThreads = threads, Features = features });
            if (teaching)
                foreach (var b in boxes)
                    session.Teach("person", teachFrame.AsSpan(), 640, 480, 640 * 3, b);
            session.AddStandingQuestion("how many people are there");
            string answerer = "";
            session.Answered += (_, a) => answerer = a.Answerer;
            var encode = new List<double>();
            var answer = new List<double>();
            progress($"{(teaching ? $"taught examples, {density} features" : "scene model")}: {seconds} s of 640x480 frames, each decoded, answered, then the next ({session.Device})");
            // two frames to warm up, then the clock
            int frames = 0;
            Stopwatch? clock = null;
            for (long n = 0; clock is null || clock.Elapsed.TotalSeconds < seconds; n++)
            {
                if (n == 2)
                    clock = Stopwatch.StartNew();
                var frame = Resized(files[n % files.Length], out _, out _);
                long before = session.Stats.FramesProcessed;
                session.SubmitFrame(frame.AsSpan(), 640, 480, 640 * 3);
                while (session.Stats.FramesProcessed == before)
                    Thread.Sleep(0);
                if (clock is not null)
                {
                    frames++;
                    encode.Add(session.Stats.LastEncodeMs);
                    answer.Add(session.Stats.LastAnswerMs);
                }
            }
            encode.Sort();
            answer.Sort();
            return new Run(answerer, teaching ? density.ToString() : "", frames, clock!.Elapsed.TotalSeconds, encode[encode.Count / 2], answer[answer.Count / 2], session.Device);
        }
        return (densities.Select(d => Time(teaching: true, d)).ToList(), Time(teaching: false, default));
    }

    /// <summary>The JPEG decoded and resized to 640x480 BGR24 (area filter), with the scale from its own size.</summary>
    static byte[] Resized(byte[] jpeg, out double sx, out double sy)
    {
        using var decoded = Cv2.ImDecode(jpeg, ImreadModes.Color);
        using var small = decoded.Resize(new Size(640, 480), 0, 0, InterpolationFlags.Area);
        sx = 640.0 / decoded.Width;
        sy = 480.0 / decoded.Height;
        var bytes = new byte[640 * 480 * 3];
        small.GetArray(out Vec3b[] px);
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(px.AsSpan()).CopyTo(bytes);
        return bytes;
    }
}
