using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using RealtimeMM.Bundle;
using RealtimeMM.Features;
using RealtimeMM.Frames;
using RealtimeMM.Gpu;
using RealtimeMM.Tests.Gpu;

namespace RealtimeMM.Tests.RealWorld;

/// <summary>The ResNet18 from the NuGet package, cut after a stage, on real footage.</summary>
public class ImageFeaturesTests : VulkanFixture
{
    static string NetPath => Path.Combine(ImageFeatures.DefaultModelFolder, "ResNet18Onnx", "ResNet18.onnx");

    [Test]
    public void CutGraph_AtTheLastStage_AveragesToThePackagesPooledVector()
    {
        // The package's own graph on a BGR, mean-subtracted tensor against the cut graph (RGB input, free size, no pooling)
        // on the same tensor with its channels reversed: the cut graph's 7x7 map averaged is the pooled vector.
        var net = File.ReadAllBytes(NetPath);
        var rng = new Random(5);
        var bgr = new DenseTensor<float>([1, 3, 224, 224]);
        var rgb = new DenseTensor<float>([1, 3, 224, 224]);
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 224; y++)
                for (int x = 0; x < 224; x++)
                {
                    float v = (float)(rng.NextDouble() * 255 - 120);
                    bgr[0, c, y, x] = v;
                    rgb[0, 2 - c, y, x] = v;
                }
        using var whole = new InferenceSession(net);
        using var pooledResult = whole.Run([NamedOnnxValue.CreateFromTensor(whole.InputMetadata.Keys.Single(), bgr)]);
        var pooled = pooledResult.First().AsEnumerable<float>().ToArray();

        var last = OnnxSurgery.Nodes(net).Last(n => n.OpType == "Relu").Outputs[0];
        using var cut = new InferenceSession(OnnxSurgery.CutAt(net, last, swapInputChannels: true));
        Assert.That(cut.InputMetadata.Single().Value.Dimensions, Is.EqualTo(new[] { 1, 3, -1, -1 }), "height and width are free");
        using var mapResult = cut.Run([NamedOnnxValue.CreateFromTensor(cut.InputMetadata.Keys.Single(), rgb)]);
        var map = mapResult.First().AsTensor<float>();
        Assert.That(map.Dimensions.ToArray(), Is.EqualTo(new[] { 1, 512, 7, 7 }));
        double worst = 0;
        for (int c = 0; c < 512; c++)
        {
            double sum = 0;
            for (int y = 0; y < 7; y++)
                for (int x = 0; x < 7; x++)
                    sum += map[0, c, y, x];
            worst = Math.Max(worst, Math.Abs(sum / 49 - pooled[c]));
        }
        TestContext.Out.WriteLine($"max |mean of the cut graph's 7x7 map - the package's pooled vector| = {worst:E2} over 512 channels (pooled values up to {pooled.Max():F2})");
        Assert.That(worst, Is.LessThan(1e-4));
    }

    [Test]
    public void Extract_VulkanPreprocessing_MatchesCpu()
    {
        var options = new ImageFeatureOptions();
        using var cpu = ImageFeatures.Open(options with { Device = DevicePreference.Cpu });
        using var gpu = ImageFeatures.Open(options with { Device = DevicePreference.Vulkan }, Device);
        Assert.That(gpu.Device, Does.StartWith("vulkan:"));
        using var frame = Footage.Read(Footage.Frames[0].File);
        var a = cpu.Extract(frame.AsImageView()).Cells.ToArray();
        var b = gpu.Extract(frame.AsImageView()).Cells;
        double worst = a.Zip(b).Max(p => Math.Abs(p.First - p.Second));
        TestContext.Out.WriteLine($"feature map {cpu.Columns}x{cpu.Rows}x{cpu.Channels}: max |vulkan - cpu preprocessing| over unit cell vectors = {worst:E2}");
        Assert.That(worst, Is.LessThan(2e-3));
        Assert.That(Device.ValidationMessages, Is.Empty);
    }

    [Test]
    public void TaughtPrototype_PointsAtPeople_OnLaterFrames()
    {
        // One prototype from the three people boxed in frame 10; the most similar cell of every annotated later frame lies on a person.
        using var features = ImageFeatures.Open(new ImageFeatureOptions { Device = DevicePreference.Cpu });
        var teach = Footage.Teach.Single(t => t.Name == "person");
        float[] prototype;
        using (var m = Footage.Read(teach.File))
        {
            var map = features.Extract(m.AsImageView());
            prototype = new float[map.Channels];
            foreach (var box in teach.Boxes)
                System.Numerics.Tensors.TensorPrimitives.Add(prototype, map.Pool(box), prototype);
            System.Numerics.Tensors.TensorPrimitives.Divide(prototype, System.Numerics.Tensors.TensorPrimitives.Norm(prototype), prototype);
        }
        int hits = 0;
        foreach (var f in Footage.Frames)
        {
            using var m = Footage.Read(f.File);
            var map = features.Extract(m.AsImageView());
            var sim = new float[map.Rows * map.Columns];
            map.Similarity(prototype, sim);
            int best = Array.IndexOf(sim, sim.Max());
            float x = (float)((best % map.Columns + 0.5) * map.CellWidth), y = (float)((best / map.Columns + 0.5) * map.CellHeight);
            if (f.AnyPeople.Any(p => p.Contains(x, y)))
                hits++;
        }
        TestContext.Out.WriteLine($"{features.Name}: the most similar cell is on a person in {hits}/{Footage.Frames.Length} frames");
        Assert.That(hits, Is.GreaterThanOrEqualTo((int)Math.Ceiling(0.9 * Footage.Frames.Length)));
    }

    [TestCase(FeatureDensity.DoubleAcross, 30, 80)]
    [TestCase(FeatureDensity.Double, 60, 80)]
    public void DenseMap_EveryOtherCell_IsThePlainMapsCell(FeatureDensity density, int rows, int columns)
    {
        // the stage's strided convolutions at stride 1 and the later ones dilated: the plain map's cells are still there, exactly
        using var plain = ImageFeatures.Open(new ImageFeatureOptions { Device = DevicePreference.Cpu, Density = FeatureDensity.Plain });
        using var dense = ImageFeatures.Open(new ImageFeatureOptions { Device = DevicePreference.Cpu, Density = density });
        using var frame = Footage.Read(Footage.Teach[0].File);
        var a = plain.Extract(frame.AsImageView()).CopyTo(null);
        var b = dense.Extract(frame.AsImageView());
        Assert.That((plain.Rows, plain.Columns, b.Rows, b.Columns), Is.EqualTo((30, 40, rows, columns)));
        int down = rows / a.Rows;
        double worst = 0, between = 0;
        for (int r = 0; r < a.Rows; r++)
            for (int c = 0; c < a.Columns; c++)
            {
                var x = a.Cell(r, c);
                worst = Math.Max(worst, x.ToArray().Zip(b.Cell(down * r, 2 * c).ToArray()).Max(p => Math.Abs(p.First - p.Second)));
                if (c + 1 < a.Columns) // a cell between two plain ones is unlike both (it sees the frame half a cell on), yet near them
                    between = Math.Max(between, 1 - System.Numerics.Tensors.TensorPrimitives.Dot(x, b.Cell(down * r, 2 * c + 1)));
            }
        TestContext.Out.WriteLine($"{dense.Name}: {b.Columns}x{b.Rows} cells; max |dense - plain| over the plain map's cells = {worst:E2}; cells between: cosine to their left neighbour down to {1 - between:F3}");
        Assert.That(worst, Is.LessThan(1e-4));
        Assert.That(between, Is.GreaterThan(0.01), "the cells between are computed, not copies");
        Assert.That(dense.Name, Is.Not.EqualTo(plain.Name), "vocabularies of the two do not mix");
    }

    [Test]
    public void Densify_APoolingDownstream_IsRefusedNamingIt()
    {
        var net = File.ReadAllBytes(NetPath);
        var nodes = OnnxSurgery.Nodes(net);
        string conv1 = nodes.First(n => n.OpType == "Relu").Outputs[0]; // the max pooling follows it
        var e = Assert.Throws<ArgumentException>(() => OnnxSurgery.Densify(net, conv1, rowsToo: true));
        TestContext.Out.WriteLine(e!.Message);
        Assert.That(e.Message, Does.Contain("MaxPool").And.Contain("cannot be densified"));
        Assert.Throws<ArgumentException>(() => OnnxSurgery.Densify(net, "no-such-tensor", rowsToo: false));
    }

    [Test]
    public void MaxSimilarity_BlockedKernel_MatchesOneVectorAtATime()
    {
        // 7x9 cells (not a multiple of the 4-cell blocks) against 8 vectors (not a multiple of 3)
        var rng = new Random(3);
        var map = new FeatureMap(7, 9, 256, 640, 480);
        for (int i = 0; i < map.Rows * map.Columns; i++)
        {
            var cell = map.Cells.AsSpan(i * 256, 256);
            for (int k = 0; k < 256; k++)
                cell[k] = (float)(rng.NextDouble() - 0.3);
            FeatureMap.Normalise(cell);
        }
        var vectors = Enumerable.Range(0, 8).Select(_ =>
        {
            var v = Enumerable.Range(0, 256).Select(_ => (float)(rng.NextDouble() - 0.3)).ToArray();
            FeatureMap.Normalise(v);
            return v;
        }).ToArray();
        var expected = Enumerable.Repeat(-1f, map.Rows * map.Columns).ToArray();
        var one = new float[expected.Length];
        foreach (var v in vectors)
        {
            map.Similarity(v, one);
            System.Numerics.Tensors.TensorPrimitives.Max(expected, one, expected);
        }
        var best = new float[expected.Length];
        map.MaxSimilarity(vectors, best);
        double worst = expected.Zip(best).Max(p => Math.Abs(p.First - p.Second));
        TestContext.Out.WriteLine($"max |blocked - one vector at a time| over {best.Length} cells x {vectors.Length} vectors = {worst:E2}");
        Assert.That(worst, Is.LessThan(1e-5));
        map.MaxSimilarity([], best);
        Assert.That(best, Is.All.EqualTo(-1f), "no vectors: nothing is like anything");
        Assert.Throws<ArgumentException>(() => map.MaxSimilarity([new float[255]], best));
    }

    [TestCase(100, 288, "Width")]
    [TestCase(384, 0, "Height")]
    [TestCase(384, 288, "Stage", 5)]
    [TestCase(384, 288, "Density", 3, 7)]
    public void Open_OptionOutOfRange_NamesIt(int width, int height, string name, int stage = 3, int density = 1)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ImageFeatures.Open(new ImageFeatureOptions { Width = width, Height = height, Stage = stage, Density = (FeatureDensity)density, Device = DevicePreference.Cpu }));
        Assert.That(e!.ParamName, Is.EqualTo(name));
    }

    [Test]
    public void Open_ModelFolderWithoutTheNetwork_NamesTheFile()
    {
        var e = Assert.Throws<ModelBundleException>(() => ImageFeatures.Open(new ImageFeatureOptions { ModelFolder = Temp, Device = DevicePreference.Cpu }));
        Assert.That(e!.Message, Does.Contain(Path.Combine(Temp, "ResNet18Onnx", "ResNet18.onnx")).And.Contain("not found"));
    }

    [Test]
    public void Open_CorruptNetwork_NamesTheFile()
    {
        Directory.CreateDirectory(Path.Combine(Temp, "ResNet18Onnx"));
        Directory.CreateDirectory(Path.Combine(Temp, "ResNetPrepOnnx"));
        File.Copy(Path.Combine(ImageFeatures.DefaultModelFolder, "ResNetPrepOnnx", "ResNetPreprocess.onnx"), Path.Combine(Temp, "ResNetPrepOnnx", "ResNetPreprocess.onnx"));
        File.WriteAllBytes(Path.Combine(Temp, "ResNet18Onnx", "ResNet18.onnx"), File.ReadAllBytes(NetPath)[..100_000]);
        var e = Assert.Throws<ModelBundleException>(() => ImageFeatures.Open(new ImageFeatureOptions { ModelFolder = Temp, Device = DevicePreference.Cpu }));
        TestContext.Out.WriteLine(e!.Message);
        Assert.That(e.Message, Does.Contain("ResNet18.onnx"));
    }
}
