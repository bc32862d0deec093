// Which ResNet18 stage and input size point at people in vtest.avi? Prototype: the mean of the
// feature cells under the three "person" boxes taught on frame 10 (tests/data/real-footage/vtest.json);
// scored on the six development frames (20-100; the frames under "frames" are the test set, never chosen on): pointing game (the most similar cell's centre lies in a
// person's box), the AUC of cell similarity between cells inside people and cells away from them,
// and milliseconds a frame (preprocessing and network, CPU).
using System.Diagnostics;
using System.Text.Json;
using OpenCvSharp;
using RealtimeMM.Features;
using RealtimeMM.Frames;
using RealtimeMM.Gpu;

string dir = args.Length > 0 ? args[0] : "tests/data/real-footage";
string set = args.Length > 1 ? args[1] : "development"; // "frames" is the test set: never choose on it
var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "vtest.json"))).RootElement;
BoxF Box(JsonElement b) => new(b[0].GetSingle(), b[1].GetSingle(), b[2].GetSingle(), b[3].GetSingle());
var teach = doc.GetProperty("teach")[0];
var frames = doc.GetProperty(set).EnumerateArray().Select(f => (File: f.GetProperty("file").GetString()!,
    People: f.GetProperty("people").EnumerateArray().Select(Box).Concat(f.GetProperty("partial_people").EnumerateArray().Select(Box)).ToArray())).ToList();

Console.WriteLine("| stage | input | grid | pointing | AUC | ms a frame |\n|---|---|---|---:|---:|---:|");
foreach (var (stage, w, h) in new[] { (3, 384, 288), (3, 512, 384), (3, 640, 480), (4, 448, 352), (4, 640, 480), (2, 384, 288), (2, 640, 480) })
{
    using var features = ImageFeatures.Open(new ImageFeatureOptions { Stage = stage, Width = w, Height = h, Device = DevicePreference.Cpu });
    float[] proto;
    using (var m = Cv2.ImRead(Path.Combine(dir, teach.GetProperty("file").GetString()!)))
    {
        var map = features.Extract(m.AsImageView());
        var sum = new float[features.Channels];
        foreach (var b in teach.GetProperty("boxes").EnumerateArray())
        {
            var p = map.Pool(Box(b));
            for (int i = 0; i < sum.Length; i++) sum[i] += p[i];
        }
        float n = MathF.Sqrt(sum.Sum(x => x * x));
        proto = sum.Select(x => x / n).ToArray();
    }
    int hits = 0;
    var pos = new List<float>(); var neg = new List<float>();
    double ms = 0;
    foreach (var (file, people) in frames)
    {
        using var m = Cv2.ImRead(Path.Combine(dir, file));
        var clock = Stopwatch.StartNew();
        var map = features.Extract(m.AsImageView());
        ms += clock.Elapsed.TotalMilliseconds;
        var sim = new float[map.Rows * map.Columns];
        map.Similarity(proto, sim);
        int best = Array.IndexOf(sim, sim.Max());
        float cx = (float)((best % map.Columns + 0.5) * map.CellWidth), cy = (float)((best / map.Columns + 0.5) * map.CellHeight);
        if (people.Any(p => p.Contains(cx, cy))) hits++;
        for (int r = 0; r < map.Rows; r++)
            for (int c = 0; c < map.Columns; c++)
            {
                double cover = people.Max(p => map.Overlap(p, r, c));
                if (cover >= 0.5) pos.Add(sim[r * map.Columns + c]);
                else if (cover == 0) neg.Add(sim[r * map.Columns + c]);
            }
    }
    // AUC: the chance a cell on a person scores above a cell away from people
    var negSorted = neg.OrderBy(x => x).ToArray();
    double auc = pos.Average(p => (double)LowerBound(negSorted, p) / negSorted.Length);
    Console.WriteLine($"| {stage} | {w}x{h} | {features.Columns}x{features.Rows} | {100.0 * hits / frames.Count:F1}% | {auc:F3} | {ms / frames.Count:F1} |");
}

static int LowerBound(float[] a, float v) { int lo = 0, hi = a.Length; while (lo < hi) { int mid = (lo + hi) / 2; if (a[mid] < v) lo = mid + 1; else hi = mid; } return lo; }
