// How many people? Counting variants for the taught answerer ("person" from the three boxes of frame 10),
// compared on the development frames of tests/data/real-footage (never on "frames", the test set).
// DENSITY=Plain|DoubleAcross|Double picks the map's density; FINE=1 adds stage 2 inside stage 3; BLOBS=T prints each
// connected region above T; DOGS=1 counts false dogs with and without the other names as negatives; DUMP=DIR draws score maps (ROUNDUP=1: peaks with the windows rounded up); GRIDS=FILE writes the score grids as JSON.
// FEATURES=DIR writes the feature maps (float32); CALIBRATE=FOLDER compares each name's own bar (its best score on FOLDER's photos) on the development frames.
using System.Text.Json;
using OpenCvSharp;
using RealtimeMM.Bundle;
using RealtimeMM.Features;
using RealtimeMM.Frames;
using RealtimeMM.Gpu;
using RealtimeMM.Teaching;

string dir = args.Length > 0 ? args[0] : "tests/data/real-footage";
var sets = args.Length > 1 ? args[1].Split(',') : ["development", "development_later"];
var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "vtest.json"))).RootElement;
BoxF Box(JsonElement b) => new(b[0].GetSingle(), b[1].GetSingle(), b[2].GetSingle(), b[3].GetSingle());

var world = World.Default;
// NOVIEWS=1: examples without their larger views (TaughtView), as before session 19
TaughtAnswerer.SeeLarger = Environment.GetEnvironmentVariable("NOVIEWS") is null;
// SIZE=WxH: the features at another input size (default 640x480)
var size = (Environment.GetEnvironmentVariable("SIZE") ?? "640x480").Split('x').Select(int.Parse).ToArray();
using var taught = TaughtAnswerer.Open(null, world, new ImageFeatureOptions { Device = DevicePreference.Cpu, Width = size[0], Height = size[1], Density = Enum.Parse<FeatureDensity>(Environment.GetEnvironmentVariable("DENSITY") ?? "Plain") });
Console.WriteLine($"features {taught.Features.Name}: {taught.Features.Columns}x{taught.Features.Rows} cells");
foreach (var t in doc.GetProperty("teach").EnumerateArray())
{
    using var m = Cv2.ImRead(Path.Combine(dir, t.GetProperty("file").GetString()!));
    foreach (var b in t.GetProperty("boxes").EnumerateArray())
        taught.Teach(t.GetProperty("name").GetString()!, m.AsImageView(), Box(b));
}
// SCALES=0.6,1.5: each "person" box taught again from the teaching frame scaled by each factor (smaller: the frame shrunk into a
// mirrored border of the same size; larger: the frame enlarged and cut around the box), examples of the same people at other sizes
if (Environment.GetEnvironmentVariable("SCALES") is { } scalesText)
{
    var t0 = doc.GetProperty("teach")[0];
    using var m = Cv2.ImRead(Path.Combine(dir, t0.GetProperty("file").GetString()!));
    foreach (var sc in scalesText.Split(',').Select(double.Parse))
        foreach (var b in t0.GetProperty("boxes").EnumerateArray().Select(Box))
        {
            using var scaled = new Mat();
            Cv2.Resize(m, scaled, new Size((int)Math.Round(m.Width * sc), (int)Math.Round(m.Height * sc)), interpolation: sc < 1 ? InterpolationFlags.Area : InterpolationFlags.Linear);
            var sb = new BoxF((float)(b.X * sc), (float)(b.Y * sc), (float)(b.Width * sc), (float)(b.Height * sc));
            using var canvas = new Mat();
            if (Environment.GetEnvironmentVariable("CROP") is not null && sc > 1)
            {
                // as the SDK makes its views: the frame cut to 1/sc of its size around the box (the features scale it up)
                int w = (int)Math.Round(m.Width / sc), h = (int)Math.Round(m.Height / sc);
                int cx0 = (int)Math.Clamp(Math.Round(b.X + b.Width / 2 - w / 2.0), 0, m.Width - w), cy0 = (int)Math.Clamp(Math.Round(b.Y + b.Height / 2 - h / 2.0), 0, m.Height - h);
                m[new Rect(cx0, cy0, w, h)].CopyTo(canvas);
                taught.Teach("person", canvas.AsImageView(), b with { X = b.X - cx0, Y = b.Y - cy0 }, source: $"scale {sc}");
                continue;
            }
            if (sc < 1)
            {
                // the shrunk frame at the middle of a mirrored border: the box keeps its place relative to the middle
                int left = (m.Width - scaled.Width) / 2, top = (m.Height - scaled.Height) / 2;
                Cv2.CopyMakeBorder(scaled, canvas, top, m.Height - scaled.Height - top, left, m.Width - scaled.Width - left, BorderTypes.Reflect101);
                sb = sb with { X = sb.X + left, Y = sb.Y + top };
            }
            else
            {
                int x0 = (int)Math.Clamp(sb.X + sb.Width / 2 - m.Width / 2.0, 0, scaled.Width - m.Width), y0 = (int)Math.Clamp(sb.Y + sb.Height / 2 - m.Height / 2.0, 0, scaled.Height - m.Height);
                scaled[new Rect(x0, y0, m.Width, m.Height)].CopyTo(canvas);
                sb = sb with { X = sb.X - x0, Y = sb.Y - y0 };
            }
            taught.Teach("person", canvas.AsImageView(), sb, source: $"scale {sc}");
        }
    Console.WriteLine($"person examples: {taught.Vocabulary.ExamplesOf("person").Count} (scales 1,{scalesText})");
}
var generic = TaughtMatcher.GenericBackground(3, taught.Features.Channels);
// DOGS=1: "is there a dog" on the development frames (no dog on the street), a dog taught on darknet's dog.jpg, with and
// without the other taught names' examples (person, van) among its negatives
if (Environment.GetEnvironmentVariable("DOGS") is not null)
{
    using (var d = Cv2.ImRead(Path.Combine(dir, "..", "real-photos", "darknet-dog.jpg")))
        taught.Teach("dog", d.AsImageView(), new BoxF(133, 222, 175, 318));
    var dogAlone = TaughtMatcher.ModelOf("dog", taught.Vocabulary.ExamplesOf("dog"), generic);
    var others = taught.Vocabulary.Examples.Where(e => e.Name != "dog" && !e.Negative).Select(e => e.Vector).ToArray();
    var dogAgainstOthers = dogAlone with { Negatives = [.. dogAlone.Negatives, .. others] };
    var personAlone = TaughtMatcher.ModelOf("person", taught.Vocabulary.ExamplesOf("person"), generic);
    var personOthers = taught.Vocabulary.Examples.Where(e => e.Name != "person" && !e.Negative).Select(e => e.Vector).ToArray();
    var personAgainstOthers = personAlone with { Negatives = [.. personAlone.Negatives, .. personOthers] };
    int n = 0, alone = 0, against = 0, pAlone = 0, pAgainst = 0;
    var dogMax = new List<float>();
    foreach (var set in sets)
        foreach (var f in doc.GetProperty(set).EnumerateArray())
        {
            using var m = Cv2.ImRead(Path.Combine(dir, f.GetProperty("file").GetString()!));
            var map = taught.Features.Extract(m.AsImageView());
            var sc = new float[map.Rows * map.Columns];
            TaughtMatcher.Score(map, dogAlone, sc); alone += sc.Max() > TaughtMatcher.Presence ? 1 : 0; dogMax.Add(sc.Max());
            TaughtMatcher.Score(map, dogAgainstOthers, sc); against += sc.Max() > TaughtMatcher.Presence ? 1 : 0;
            var g = new ScoreGrid(map.Rows, map.Columns, map.FrameWidth, map.FrameHeight, sc);
            int people = f.GetProperty("people").GetArrayLength(), partial = f.GetProperty("partial_people").GetArrayLength();
            bool Right(TaughtMatcher.Model pm)
            {
                TaughtMatcher.Score(map, pm, sc);
                int c = TaughtMatcher.Instances(g, TaughtMatcher.Presence, pm.Width, pm.Height).Count;
                return c >= people - 1 && c <= people + partial + 1;
            }
            pAlone += Right(personAlone) ? 1 : 0;
            pAgainst += Right(personAgainstOthers) ? 1 : 0;
            n++;
        }
    Console.WriteLine($"'is there a dog' on {n} development street frames (no dog): yes {alone} (dog's own negatives), {against} (person and van examples among them too)");
    Console.WriteLine($"the dog's best score on each street frame: {string.Join(" ", dogMax.Order().Select(x => x.ToString("F3")))}");
    Console.WriteLine($"people counted within ±1: {pAlone} (own negatives), {pAgainst} (dog and van examples among them too)");
    // and the dog in person.jpg is still found
    using var other = Cv2.ImRead(Path.Combine(dir, "..", "real-photos", "darknet-person.jpg"));
    var om = taught.Features.Extract(other.AsImageView());
    var os = new float[om.Rows * om.Columns];
    TaughtMatcher.Score(om, dogAlone, os); float a = os.Max();
    TaughtMatcher.Score(om, dogAgainstOthers, os); float b = os.Max();
    Console.WriteLine($"the dog in person.jpg: best score {a:F3} (own negatives), {b:F3} (with the others')");
    return;
}
var model = TaughtMatcher.ModelOf("person", taught.Vocabulary.ExamplesOf("person"), generic);

// CALIBRATE=FOLDER: each name's best score on every photo of FOLDER (photos that are mostly without the name: opencv-doc's
// examples/data), and how a per-name presence at a quantile of those scores would answer on the development frames
if (Environment.GetEnvironmentVariable("CALIBRATE") is { } photoDir)
{
    using (var d = Cv2.ImRead(Path.Combine(dir, "..", "real-photos", "darknet-dog.jpg")))
        taught.Teach("dog", d.AsImageView(), new BoxF(133, 222, 175, 318));
    var models = new[] { "person", "van", "dog" }.Select(nm => TaughtMatcher.ModelOf(nm, taught.Vocabulary.ExamplesOf(nm), generic)).ToArray();
    var nulls = models.Select(_ => new List<float>()).ToArray();
    var allCells = new List<float[]>();
    foreach (var file in Directory.GetFiles(photoDir).Order(StringComparer.Ordinal))
    {
        using var m = Cv2.ImRead(file, ImreadModes.Color);
        if (m.Empty()) continue;
        var map = taught.Features.Extract(m.AsImageView());
        var sc = new float[map.Rows * map.Columns];
        for (int i = 0; i < models.Length; i++) { TaughtMatcher.Score(map, models[i], sc); nulls[i].Add(sc.Max()); }
        for (int r = 0; r < map.Rows; r++) for (int c = 0; c < map.Columns; c++) allCells.Add(map.Cell(r, c).ToArray());
    }
    // the same null from a random sample of the photos' cells (what a shipped bank could hold)
    var allMap = new FeatureMap(1, allCells.Count, allCells[0].Length, allCells.Count, 1);
    allCells.SelectMany(x => x).ToArray().CopyTo(allMap.Cells, 0);
    var typical = new float[allCells.Count];
    allMap.MaxSimilarity(generic.ToArray(), typical);
    var byTypical = Enumerable.Range(0, allCells.Count).OrderBy(i => typical[i]).ToArray();
    Console.WriteLine($"{allCells.Count} cells; likeness to the generic bank: min {typical.Min():F3} median {typical.Order().ElementAt(typical.Length / 2):F3}");
    foreach (var n in new[] { 1024, 2048, 4096, 8192 })
    {
        var sample = byTypical.Take(n).Select(i => allCells[i]).ToArray();
        var one = new FeatureMap(1, n, sample[0].Length, n, 1);
        sample.SelectMany(x => x).ToArray().CopyTo(one.Cells, 0);
        var sc = new float[n];
        Console.WriteLine($"sample of {n} cells: " + string.Join(", ", models.Select(md => { TaughtMatcher.Score(one, md, sc); var o = sc.Order().ToArray(); return $"{md.Name} max {o[^1]:F3} q999 {o[(int)(0.999 * n)]:F3}"; })));
    }
    for (int i = 0; i < models.Length; i++)
        Console.WriteLine($"{models[i].Name}: best score per photo ({nulls[i].Count}): {string.Join(" ", nulls[i].Order().Select(x => x.ToString("F3")))}");
    float Quantile(List<float> xs, double q) { var o = xs.Order().ToArray(); return o[Math.Min(o.Length - 1, (int)Math.Floor(q * o.Length))]; }
    // development frames' scores per name
    var dev = new List<(int People, int Partial, float[][] Scores, ScoreGrid[] Grids)>();
    foreach (var set in sets)
        foreach (var f in doc.GetProperty(set).EnumerateArray())
        {
            using var m = Cv2.ImRead(Path.Combine(dir, f.GetProperty("file").GetString()!));
            var map = taught.Features.Extract(m.AsImageView());
            var scores = models.Select(md => { var sc = new float[map.Rows * map.Columns]; TaughtMatcher.Score(map, md, sc); return sc; }).ToArray();
            dev.Add((f.GetProperty("people").GetArrayLength(), f.GetProperty("partial_people").GetArrayLength(), scores,
                scores.Select(sc => new ScoreGrid(map.Rows, map.Columns, map.FrameWidth, map.FrameHeight, sc)).ToArray()));
        }
    float crossDog;
    using (var other = Cv2.ImRead(Path.Combine(dir, "..", "real-photos", "darknet-person.jpg")))
    {
        var om = taught.Features.Extract(other.AsImageView());
        var os = new float[om.Rows * om.Columns];
        TaughtMatcher.Score(om, models[2], os); crossDog = os.Max();
    }
    // the shipped rule: each name's bar at its best score on the SDK's cells of other photos (TaughtMatcher.Unlike), instances by hysteresis
    var unlikeMap = TaughtMatcher.Unlike(3, taught.Features.Channels);
    var barred = new[] { "person", "van", "dog" }.Select(nm => TaughtMatcher.ModelOf(nm, taught.Vocabulary.ExamplesOf(nm), generic, unlikeMap)).ToArray();
    {
        int person = dev.Count(x => TaughtMatcher.Instances(x.Grids[0], barred[0]).Count > 0), van = dev.Count(x => TaughtMatcher.Instances(x.Grids[1], barred[1]).Count > 0);
        int dogs = dev.Count(x => TaughtMatcher.Instances(x.Grids[2], barred[2]).Count > 0);
        int counted = dev.Count(x => { int c = TaughtMatcher.Instances(x.Grids[0], barred[0]).Count; return c >= x.People - 1 && c <= x.People + x.Partial + 1; });
        Console.WriteLine($"shipped bars ({string.Join(", ", barred.Select(b => $"{b.Name} {b.Presence:F3}"))}): person yes {person}/{dev.Count}, van yes {van}/{dev.Count}, false dogs {dogs}/{dev.Count}, counted ±1 {counted}/{dev.Count}, dog in person.jpg {(crossDog > barred[2].Presence ? "found" : "missed")} ({crossDog:F3})");
        // the other way round: the small dog of person.jpg taught, the dog of dog.jpg to find
        var small = TaughtAnswerer.Open(null, world, new ImageFeatureOptions { Device = DevicePreference.Cpu });
        using (var p = Cv2.ImRead(Path.Combine(dir, "..", "real-photos", "darknet-person.jpg")))
            small.Teach("dog", p.AsImageView(), new BoxF(65, 263, 140, 80));
        var smallDog = TaughtMatcher.ModelOf("dog", small.Vocabulary.ExamplesOf("dog"), generic, unlikeMap);
        float found;
        using (var o = Cv2.ImRead(Path.Combine(dir, "..", "real-photos", "darknet-dog.jpg")))
        {
            var om = taught.Features.Extract(o.AsImageView());
            var os = new float[om.Rows * om.Columns];
            TaughtMatcher.Score(om, smallDog, os); found = os.Max();
        }
        int smallFalse = 0;
        var smallMax = new List<float>();
        foreach (var set in sets)
            foreach (var f in doc.GetProperty(set).EnumerateArray())
            {
                using var m = Cv2.ImRead(Path.Combine(dir, f.GetProperty("file").GetString()!));
                var map = taught.Features.Extract(m.AsImageView());
                var sc = new float[map.Rows * map.Columns];
                TaughtMatcher.Score(map, smallDog, sc);
                smallMax.Add(sc.Max());
                smallFalse += sc.Max() > smallDog.Presence ? 1 : 0;
            }
        Console.WriteLine($"person.jpg's small dog: bar {smallDog.Presence:F3}; dog.jpg's dog scores {found:F3} ({(found > smallDog.Presence ? "found" : "missed")}); false dogs {smallFalse}/{dev.Count} (at {TaughtMatcher.Presence}: {smallMax.Count(x => x > TaughtMatcher.Presence)}); street maxima {string.Join(" ", smallMax.Order().Select(x => x.ToString("F3")))}");
        small.Dispose();
    }
    foreach (var q in new[] { 0.0, 0.5, 0.75, 0.9, 0.95, 1.0 })
    {
        var t = models.Select((md, i) => q == 0 ? TaughtMatcher.Presence : Math.Max(TaughtMatcher.Presence, Quantile(nulls[i], q))).ToArray();
        int person = dev.Count(x => x.Scores[0].Max() > t[0]), van = dev.Count(x => x.Scores[1].Max() > t[1]), dogs = dev.Count(x => x.Scores[2].Max() > t[2]);
        int counted = dev.Count(x => { int c = TaughtMatcher.Instances(x.Grids[0], t[0], models[0].Width, models[0].Height).Count; return c >= x.People - 1 && c <= x.People + x.Partial + 1; });
        Console.WriteLine($"presence at quantile {q:F2} ({string.Join(", ", t.Select((v, i) => $"{models[i].Name} {v:F3}"))}): person yes {person}/{dev.Count}, van yes {van}/{dev.Count}, false dogs {dogs}/{dev.Count}, counted ±1 {counted}/{dev.Count}, dog in person.jpg {(crossDog > t[2] ? "found" : "missed")} ({crossDog:F3})");
    }
    return;
}

// FRESH=1: counting on the frames of vtest-counts.json (counts only, held out from the choice on the development frames), then stop
if (Environment.GetEnvironmentVariable("FRESH") is not null)
{
    var fresh = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "vtest-counts.json"))).RootElement.GetProperty("frames");
    // the windows: the size of the examples as taught (boxes at scale 1), whatever other sizes were added
    var asTaught = taught.Vocabulary.ExamplesOf("person").Where(e => !e.Source.StartsWith("scale")).ToList();
    double w1 = asTaught.Average(e => e.Box.Width / e.FrameWidth), h1 = asTaught.Average(e => e.Box.Height / e.FrameHeight);
    int within = 0, exact = 0, withinAsTaught = 0, n = 0;
    var wrong = new List<string>();
    foreach (var f in fresh.EnumerateArray())
    {
        using var m = Cv2.ImRead(Path.Combine(dir, f.GetProperty("file").GetString()!));
        var map = taught.Features.Extract(m.AsImageView());
        var sc = new float[map.Rows * map.Columns];
        TaughtMatcher.Score(map, model, sc);
        var g = new ScoreGrid(map.Rows, map.Columns, map.FrameWidth, map.FrameHeight, sc);
        int lo = f.GetProperty("people").GetInt32(), hi = lo + f.GetProperty("partial_people").GetInt32();
        int c = TaughtMatcher.Instances(g, TaughtMatcher.Presence, model.Width, model.Height).Count;
        int c1 = TaughtMatcher.Instances(g, TaughtMatcher.Presence, w1, h1).Count;
        if (c >= lo - 1 && c <= hi + 1) within++; else wrong.Add($"{f.GetProperty("frame").GetInt32()}:{c}/{lo}-{hi}");
        if (c >= lo && c <= hi) exact++;
        if (c1 >= lo - 1 && c1 <= hi + 1) withinAsTaught++;
        n++;
    }
    Console.WriteLine($"fresh frames ({n}): within ±1 {within}, exact {exact} [{string.Join(" ", wrong)}]; windows of the boxes as taught: within ±1 {withinAsTaught}");
    return;
}

// GRIDS=FILE: every development frame's score grid (and the teaching frame's), for analysis elsewhere
if (Environment.GetEnvironmentVariable("GRIDS") is { } gridsFile)
{
    var all = new List<object>();
    foreach (var set in sets.Append("teach"))
        foreach (var f in set == "teach" ? new[] { doc.GetProperty("teach")[0] } : doc.GetProperty(set).EnumerateArray().ToArray())
        {
            using var m = Cv2.ImRead(Path.Combine(dir, f.GetProperty("file").GetString()!));
            var map = taught.Features.Extract(m.AsImageView());
            var score = new float[map.Rows * map.Columns];
            TaughtMatcher.Score(map, model, score);
            all.Add(new { set, frame = f.GetProperty("frame").GetInt32(), rows = map.Rows, cols = map.Columns, score });
        }
    File.WriteAllText(gridsFile, JsonSerializer.Serialize(all));
}

// FEATURES=DIR: every development frame's feature map (and the teaching frame's) as raw float32 rows x columns x channels
if (Environment.GetEnvironmentVariable("FEATURES") is { } featuresDir)
{
    Directory.CreateDirectory(featuresDir);
    foreach (var set in sets.Append("teach"))
        foreach (var f in set == "teach" ? new[] { doc.GetProperty("teach")[0] } : doc.GetProperty(set).EnumerateArray().ToArray())
        {
            using var m = Cv2.ImRead(Path.Combine(dir, f.GetProperty("file").GetString()!));
            var map = taught.Features.Extract(m.AsImageView());
            var cells = new float[map.Rows * map.Columns * map.Channels];
            for (int r = 0; r < map.Rows; r++)
                for (int c = 0; c < map.Columns; c++)
                    map.Cell(r, c).CopyTo(cells.AsSpan((r * map.Columns + c) * map.Channels));
            File.WriteAllBytes(Path.Combine(featuresDir, $"{set}-{f.GetProperty("frame").GetInt32():000}-{map.Rows}x{map.Columns}x{map.Channels}.f32"),
                System.Runtime.InteropServices.MemoryMarshal.AsBytes(cells.AsSpan()).ToArray());
        }
}

var frames = new List<(string Set, int Index, int Low, int High, ScoreGrid Grid, BoxF[] People)>();
foreach (var set in sets)
    foreach (var f in doc.GetProperty(set).EnumerateArray())
    {
        using var m = Cv2.ImRead(Path.Combine(dir, f.GetProperty("file").GetString()!));
        var map = taught.Features.Extract(m.AsImageView());
        var score = new float[map.Rows * map.Columns];
        TaughtMatcher.Score(map, model, score);
        var people = f.GetProperty("people").EnumerateArray().Select(Box).ToArray();
        int partial = f.GetProperty("partial_people").GetArrayLength();
        frames.Add((set, f.GetProperty("frame").GetInt32(), people.Length, people.Length + partial,
            new ScoreGrid(map.Rows, map.Columns, map.FrameWidth, map.FrameHeight, score), people));
    }

void Report(string name, Func<ScoreGrid, int> count, bool detail = false)
{
    var line = $"{name,-40}";
    foreach (var set in sets)
    {
        var fs = frames.Where(f => f.Set == set).ToList();
        int within = 0, exact = 0;
        var wrong = new List<string>();
        foreach (var f in fs)
        {
            int c = count(f.Grid);
            if (c >= f.Low - 1 && c <= f.High + 1) within++; else wrong.Add($"{f.Index}:{c}/{f.Low}-{f.High}");
            if (c >= f.Low && c <= f.High) exact++;
        }
        line += $" | {set}: ±1 {within}/{fs.Count} exact {exact}/{fs.Count}";
        if (detail) line += " [" + string.Join(" ", wrong) + "]";
    }
    Console.WriteLine(line);
}

Report("peaks (shipped)", g => TaughtMatcher.Instances(g, TaughtMatcher.Presence, model.Width, model.Height).Count, true);
// the same windows rounded up to whole cells (what Instances rounds to the nearest)
Report("peaks, windows rounded up", g => TaughtMatcher.Instances(g, TaughtMatcher.Presence,
    Math.Ceiling(model.Width * g.Columns / 2) * 2 / g.Columns, Math.Ceiling(model.Height * g.Rows / 2) * 2 / g.Rows).Count, true);

// the teaching frame, scored like the others: how much score one person holds
ScoreGrid teachGrid;
BoxF[] teachBoxes = doc.GetProperty("teach")[0].GetProperty("boxes").EnumerateArray().Select(Box).ToArray();
using (var m = Cv2.ImRead(Path.Combine(dir, "vtest-010.jpg")))
{
    var map = taught.Features.Extract(m.AsImageView());
    var score = new float[map.Rows * map.Columns];
    TaughtMatcher.Score(map, model, score);
    teachGrid = new ScoreGrid(map.Rows, map.Columns, map.FrameWidth, map.FrameHeight, score);
}
double MassIn(ScoreGrid g, BoxF b, float floor)
{
    double s = 0;
    for (int r = 0; r < g.Rows; r++)
        for (int c = 0; c < g.Columns; c++)
            if (b.Contains((float)((c + 0.5) * g.CellWidth), (float)((r + 0.5) * g.CellHeight)))
                s += Math.Max(0, g.Score[r * g.Columns + c] - floor);
    return s;
}
double Mass(ScoreGrid g, float floor) => g.Score.Sum(s => (double)Math.Max(0, s - floor));
foreach (var floor in new[] { 0f, 0.01f, 0.02f, 0.03f, 0.05f })
{
    double unit = teachBoxes.Average(b => MassIn(teachGrid, b, floor));
    Console.WriteLine($"unit mass at floor {floor}: {unit:F3} (boxes {string.Join(", ", teachBoxes.Select(b => MassIn(teachGrid, b, floor).ToString("F2")))}), frame 10 total {Mass(teachGrid, floor):F2}");
    Report($"mass/unit floor {floor}", g => (int)Math.Round(Mass(g, floor) / unit), true);
}
foreach (var presence in new[] { 0.02f, 0.03f, 0.05f, 0.08f })
    foreach (var scale in new[] { 0.5, 0.75, 0.8, 1.0, 1.25, 1.5 })
        Report($"peaks presence {presence} window x{scale}", g => TaughtMatcher.Instances(g, presence, model.Width * scale, model.Height * scale).Count);

if (Environment.GetEnvironmentVariable("DUMP") is { } dump)
{
    Directory.CreateDirectory(dump);
    foreach (var set in sets)
        foreach (var f in doc.GetProperty(set).EnumerateArray())
        {
            int index = f.GetProperty("frame").GetInt32();
            var g = frames.First(x => x.Set == set && x.Index == index).Grid;
            using var m = Cv2.ImRead(Path.Combine(dir, f.GetProperty("file").GetString()!));
            using var heat = new Mat(g.Rows, g.Columns, MatType.CV_8UC1);
            for (int r = 0; r < g.Rows; r++)
                for (int c = 0; c < g.Columns; c++)
                    heat.Set(r, c, (byte)Math.Clamp(g.Score[r * g.Columns + c] / 0.25f * 255, 0, 255));
            using var big = new Mat();
            Cv2.Resize(heat, big, m.Size(), interpolation: InterpolationFlags.Nearest);
            using var color = new Mat();
            Cv2.ApplyColorMap(big, color, ColormapTypes.Jet);
            Cv2.AddWeighted(m, 0.55, color, 0.45, 0, m);
            foreach (var b in f.GetProperty("people").EnumerateArray().Select(Box))
                Cv2.Rectangle(m, new Rect((int)b.X, (int)b.Y, (int)b.Width, (int)b.Height), Scalar.White, 1);
            bool up = Environment.GetEnvironmentVariable("ROUNDUP") is not null; // the windows rounded up to whole cells
            foreach (var i in TaughtMatcher.Instances(g, TaughtMatcher.Presence, up ? Math.Ceiling(model.Width * g.Columns / 2) * 2 / g.Columns : model.Width,
                up ? Math.Ceiling(model.Height * g.Rows / 2) * 2 / g.Rows : model.Height))
            {
                Cv2.Circle(m, new Point(i.PeakX * m.Width / g.FrameWidth, i.PeakY * m.Height / g.FrameHeight), 5, Scalar.Black, -1);
                Cv2.PutText(m, i.Score.ToString("F2"), new Point(i.PeakX * m.Width / g.FrameWidth + 6, i.PeakY * m.Height / g.FrameHeight), HersheyFonts.HersheyPlain, 1, Scalar.White);
            }
            Cv2.ImWrite(Path.Combine(dump, $"{set}-{index:000}.jpg"), m);
        }
}

List<(int R0, int R1, int C0, int C1, int Cells, float Peak, List<int> Members)> Blobs(ScoreGrid g, float threshold)
{
    var label = new int[g.Score.Length];
    Array.Fill(label, -1);
    var blobs = new List<(int, int, int, int, int, float, List<int>)>();
    for (int i = 0; i < g.Score.Length; i++)
    {
        if (label[i] >= 0 || g.Score[i] <= threshold) continue;
        var members = new List<int>();
        var q = new Queue<int>();
        q.Enqueue(i); label[i] = blobs.Count;
        while (q.Count > 0)
        {
            int k = q.Dequeue(); members.Add(k);
            int r = k / g.Columns, c = k % g.Columns;
            foreach (var (dr, dc) in new[] { (-1, 0), (1, 0), (0, -1), (0, 1) })
            {
                int rr = r + dr, cc = c + dc;
                if (rr < 0 || cc < 0 || rr >= g.Rows || cc >= g.Columns) continue;
                int kk = rr * g.Columns + cc;
                if (label[kk] < 0 && g.Score[kk] > threshold) { label[kk] = blobs.Count; q.Enqueue(kk); }
            }
        }
        blobs.Add((members.Min(k => k / g.Columns), members.Max(k => k / g.Columns), members.Min(k => k % g.Columns), members.Max(k => k % g.Columns), members.Count, members.Max(k => g.Score[k]), members));
    }
    return blobs;
}
if (Environment.GetEnvironmentVariable("BLOBS") is { } bt)
{
    float t = float.Parse(bt);
    foreach (var f in frames)
    {
        var g = f.Grid;
        foreach (var b in Blobs(g, t))
        {
            int inside = f.People.Count(p => b.Members.Contains((int)((p.Y + p.Height / 2) / 576 * g.Rows) * g.Columns + (int)((p.X + p.Width / 2) / 768 * g.Columns)));
            Console.WriteLine($"BLOB {f.Set} {f.Index} w {b.C1 - b.C0 + 1} h {b.R1 - b.R0 + 1} cells {b.Cells} peak {b.Peak:F3} people {inside}");
        }
    }
}

double aspect = model.Width * taught.Features.Columns / (model.Height * taught.Features.Rows);
Console.WriteLine($"example aspect in cells {aspect:F2}");
foreach (var t in new[] { 0.03f, 0.05f, 0.07f })
    foreach (var k in new[] { 1.5, 2.0, 2.5, 3.0 })
        foreach (var mode in new[] { "max", "width", "vcap" })
            Report($"blobs t{t} k{k} {mode}", g =>
            {
                var peaks = TaughtMatcher.Instances(g, TaughtMatcher.Presence, model.Width, model.Height);
                int n = 0;
                foreach (var b in Blobs(g, t))
                {
                    int w = b.C1 - b.C0 + 1, h = b.R1 - b.R0 + 1;
                    int p = peaks.Count(i => b.Members.Contains((int)(i.PeakY / g.CellHeight) * g.Columns + (int)(i.PeakX / g.CellWidth)));
                    int byWidth = Math.Max(1, (int)Math.Floor(w / (aspect * h * k) + 0.5));
                    n += mode switch { "max" => Math.Max(p, byWidth), "width" => byWidth, _ => Math.Max(Math.Min(p, Math.Max(1, w - 1)), byWidth) };
                }
                return n;
            }, k == 2.0);

// stage 2 (stride 8) as a finer map, gated by stage 3
if (Environment.GetEnvironmentVariable("FINE") is not null)
{
    using var f2 = ImageFeatures.Open(new ImageFeatureOptions { Stage = 2, Device = DevicePreference.Cpu });
    FeatureMap teach2;
    using (var m = Cv2.ImRead(Path.Combine(dir, "vtest-010.jpg")))
        teach2 = f2.Extract(m.AsImageView()).CopyTo(null);
    var pos2 = teachBoxes.Select(b => teach2.Pool(b)).ToArray();
    var neg2 = teachBoxes.SelectMany(b => TaughtMatcher.Background(teach2, b, pos2)).ToArray();
    var model2 = new TaughtMatcher.Model("person", pos2, neg2, model.Width, model.Height);
    var fine = new Dictionary<(string, int), ScoreGrid>();
    foreach (var set in sets)
        foreach (var fr in doc.GetProperty(set).EnumerateArray())
        {
            using var m = Cv2.ImRead(Path.Combine(dir, fr.GetProperty("file").GetString()!));
            var map = f2.Extract(m.AsImageView());
            var s = new float[map.Rows * map.Columns];
            TaughtMatcher.Score(map, model2, s);
            fine[(set, fr.GetProperty("frame").GetInt32())] = new ScoreGrid(map.Rows, map.Columns, map.FrameWidth, map.FrameHeight, s);
        }
    var byGrid = frames.ToDictionary(x => x.Grid, x => fine[(x.Set, x.Index)]);
    // coarse score at a fine cell (nearest coarse cell)
    float Coarse(ScoreGrid g, ScoreGrid f, int i) => g.Score[(i / f.Columns) * g.Rows / f.Rows * g.Columns + (i % f.Columns) * g.Columns / f.Columns];
    foreach (var mode in new[] { "fine-gated", "sum", "product" })
        foreach (var w in new[] { 0.3, 0.5, 0.75, 1.0 })
            foreach (var pr in new[] { 0.0f, 0.02f, 0.03f, 0.05f })
                Report($"{mode} win{w} p{pr}", g =>
                {
                    var f = byGrid[g];
                    var s = new float[f.Score.Length];
                    for (int i = 0; i < s.Length; i++)
                    {
                        float c = Coarse(g, f, i);
                        s[i] = mode switch
                        {
                            "fine-gated" => c > TaughtMatcher.Presence ? f.Score[i] : -1,
                            "sum" => c > TaughtMatcher.Presence ? f.Score[i] + c : -1,
                            _ => c > TaughtMatcher.Presence ? Math.Max(0, f.Score[i]) * c * 10 : -1,
                        };
                    }
                    return TaughtMatcher.Instances(f with { Score = s }, pr, model.Width * w, model.Height * w).Count;
                }, w == 0.75 && pr == 0.02f);
}
