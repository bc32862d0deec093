// The generic background of taught names (TaughtMatcher.GenericBackground): spherical k-means centres of the
// stage-3 ResNet18 cells (640x480 input) of a folder of photos, a quarter of each photo's cells sampled (seed 7).
// With ATYPICAL.bin, also the photos' cells least like those centres (TaughtMatcher.Unlike: what a name must score
// above to be found), as IEEE half floats, N of them (default 2048).
//   dotnet run -c Release --project tools/BackgroundBank -- FOLDER models/features/resnet18-stage3-background.bin [64 [ATYPICAL.bin [N]]]
// The shipped files: FOLDER = the JPEG and PNG photos of Debian opencv-doc's usr/share/doc/opencv-doc/examples/data
// (not vtest.avi, and none of tests/data/real-photos); ATYPICAL = models/features/resnet18-stage3-unlike.bin.
using OpenCvSharp;
using RealtimeMM.Features;
using RealtimeMM.Frames;
using RealtimeMM.Gpu;
using RealtimeMM.Teaching;

if (args.Length < 2)
{
    Console.Error.WriteLine("usage: BackgroundBank FOLDER OUT.bin [CENTRES [ATYPICAL.bin [N]]]");
    return 1;
}
int k = args.Length > 2 ? int.Parse(args[2]) : 64;
using var features = ImageFeatures.Open(new ImageFeatureOptions { Device = DevicePreference.Cpu });
var rng = new Random(7);
var cells = new List<float[]>();
var every = new List<float[]>();
int photos = 0;
foreach (var file in Directory.GetFiles(args[0]).Order(StringComparer.Ordinal))
{
    using var m = Cv2.ImRead(file, ImreadModes.Color);
    if (m.Empty())
        continue;
    photos++;
    var map = features.Extract(m.AsImageView());
    for (int r = 0; r < map.Rows; r++)
        for (int c = 0; c < map.Columns; c++)
        {
            if (rng.NextDouble() < 0.25)
                cells.Add(map.Cell(r, c).ToArray());
            every.Add(map.Cell(r, c).ToArray());
        }
}
var centres = TaughtMatcher.Cluster(cells, k, 15);
using (var w = new BinaryWriter(File.Create(args[1])))
    foreach (var v in centres.SelectMany(c => c))
        w.Write(v);
Console.WriteLine($"{photos} photos, {cells.Count} cells, {centres.Length} centres of {features.Channels} -> {args[1]}");
if (args.Length > 3)
{
    // each cell's likeness to its nearest centre; the least alike ones are where a name can score highest on these photos
    int n = args.Length > 4 ? int.Parse(args[4]) : 2048;
    var all = new FeatureMap(1, every.Count, features.Channels, every.Count, 1);
    for (int i = 0; i < every.Count; i++)
        every[i].CopyTo(all.Cells, i * features.Channels);
    var likeness = new float[every.Count];
    all.MaxSimilarity(centres, likeness);
    var least = Enumerable.Range(0, every.Count).OrderBy(i => likeness[i]).ThenBy(i => i).Take(n).ToArray();
    using (var w = new BinaryWriter(File.Create(args[3])))
        foreach (var i in least)
            foreach (var v in every[i])
                w.Write((Half)v);
    Console.WriteLine($"{least.Length} of {every.Count} cells least like the centres (likeness {likeness[least[0]]:F3} to {likeness[least[^1]]:F3}) -> {args[3]}");
}
return 0;
