// Do pretrained ImageNet features see the scene world's classes beyond our generator's drawings?
// Linear probes for "is there an X" (one per class) on frozen features, trained on generated scenes
// (validation split, seed 3) and scored on held-out generated scenes and on the test world (drawn by
// other code, seed 2): ResNet18's pooled features (NuGet Microsoft.ML.DnnImageFeaturizer.ResNet18,
// ImageNet, MIT) against our own vision encoder's image embedding. The gap between the two scores is
// how much each set of features has learned the generator's drawings rather than the classes.
using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OpenCvSharp;
using RealtimeMM.Frames;
using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;
using RealtimeMM.Scenes;
using RealtimeMM.Scenes.TestWorld;

int train = args.Length > 0 ? int.Parse(args[0]) : 1000, test = args.Length > 1 ? int.Parse(args[1]) : 500;
string models = Path.Combine(AppContext.BaseDirectory, "DnnImageModels");
using var options = new SessionOptions { IntraOpNumThreads = Environment.ProcessorCount };
using var prep = new InferenceSession(Path.Combine(models, "ResNetPrepOnnx", "ResNetPreprocess.onnx"), options);
using var resnet = new InferenceSession(Path.Combine(models, "ResNet18Onnx", "ResNet18.onnx"), options);
using var ours = QuestionAnswerer.Open(device: RealtimeMM.Gpu.DevicePreference.Cpu);
double resnetMs = 0, oursMs = 0;
int frames = 0;

(float[] ResNet, float[] Ours) Features(SceneFrame s)
{
    frames++;
    var clock = Stopwatch.StartNew();
    using var src = Mat.FromPixelData(s.Height, s.Width, MatType.CV_8UC3, s.Bgr);
    using var small = src.Resize(new Size(224, 224), 0, 0, InterpolationFlags.Linear);
    var input = new DenseTensor<float>([1, 3, 224, 224]);
    for (int y = 0; y < 224; y++)
        for (int x = 0; x < 224; x++)
        {
            var p = small.At<Vec3b>(y, x);
            input[0, 0, y, x] = p.Item2; // R, G, B planes, 0..255: what ML.NET's pixel extractor hands the preprocessing model
            input[0, 1, y, x] = p.Item1;
            input[0, 2, y, x] = p.Item0;
        }
    using var prepared = prep.Run([NamedOnnxValue.CreateFromTensor("OriginalInput", input)]);
    var mid = prepared.First().AsTensor<float>().ToDenseTensor();
    using var pooled = resnet.Run([NamedOnnxValue.CreateFromTensor("Input247", mid)]);
    var r = pooled.First().AsEnumerable<float>().ToArray();
    resnetMs += clock.Elapsed.TotalMilliseconds;
    clock.Restart();
    using var e = ours.Encode(new ImageView(s.Bgr, s.Width, s.Height, s.Width * 3));
    oursMs += clock.Elapsed.TotalMilliseconds;
    return (r, e.Embedding);
}

// labels: class present (1), absent (0), or open (-1: only partly visible)
int[] Labels(SceneFrame s) => SceneWorld.Classes.Select(c => s.Objects.Any(o => o.Class == c) ? 1 : s.PartlyVisibleClasses.Contains(c) ? -1 : 0).ToArray();

List<(float[] R, float[] O, int[] Y)> Set(Func<long, SceneFrame> render, long from, int n, string name)
{
    var set = new List<(float[], float[], int[])>();
    for (long i = from; i < from + n; i++)
    {
        var s = render(i);
        var (r, o) = Features(s);
        set.Add((r, o, Labels(s)));
        if (set.Count % 100 == 0)
            Console.Error.Write($"\r{name}: {set.Count}/{n}");
    }
    Console.Error.WriteLine();
    return set;
}

var fit = Set(i => SceneGenerator.Render(3, i), 0, train, "generated (probe training)");
var heldOut = Set(i => SceneGenerator.Render(3, i), 100_000, test, "generated (held out)");
var world = Set(i => TestWorldGenerator.Render(2, i), 0, test, "test world");

foreach (var (name, pick) in new (string, Func<(float[] R, float[] O, int[] Y), float[]>)[] { ("ResNet18 (ImageNet, 512)", x => x.R), ("ours (image embedding, 128)", x => x.O) })
{
    double heldSum = 0, worldSum = 0;
    var perClass = new List<string>();
    for (int c = 0; c < SceneWorld.Classes.Count; c++)
    {
        var rows = fit.Where(x => x.Y[c] >= 0).ToList();
        var probe = LogisticRegression.Fit(rows.Select(pick).ToList(), rows.Select(x => x.Y[c] == 1).ToList(), steps: 300);
        double Acc(List<(float[] R, float[] O, int[] Y)> set) => set.Where(x => x.Y[c] >= 0).Average(x => probe.Logit(pick(x)) > 0 == (x.Y[c] == 1) ? 1.0 : 0.0) * 100;
        double h = Acc(heldOut), w = Acc(world);
        heldSum += h;
        worldSum += w;
        perClass.Add($"{SceneWorld.Classes[c]} {h:F1}/{w:F1}");
    }
    Console.WriteLine($"{name}: presence probes, mean over classes: generated {heldSum / SceneWorld.Classes.Count:F1}%, test world {worldSum / SceneWorld.Classes.Count:F1}%  ({string.Join(", ", perClass)})");
}
Console.WriteLine($"per frame on this machine: ResNet18 {resnetMs / frames:F1} ms (224x224, preprocessing model included), ours {oursMs / frames:F1} ms (preprocessing + vision encoder)");

