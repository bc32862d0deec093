using System.Buffers.Binary;
using System.CommandLine;
using System.Text;
using System.Text.Json;
using RealtimeMM.Frames;
using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;
using RealtimeMM.Preprocess;
using RealtimeMM.Replay;
using RealtimeMM.Scenes;

namespace RealtimeMM.Cli.Commands;

/// <summary>
/// <c>rtmm dataset</c>: training samples for <c>models/training/train.py</c>, streamed as binary
/// records so the trainer gets fresh, seeded scenes without a dataset on disk. Each sample is the
/// model input exactly as the runtime makes it (the CPU preprocessing path, float16 NCHW), dense
/// labels on the model's patch grid (class, color and object-center per cell, from the masks),
/// a caption and the questions with answer labels.
/// Record: uint32 json length, json, 3*H*W float16, 3*G*G bytes (class+1, color+1, center; 0 = none).
/// </summary>
internal static class DatasetCommand
{
    static readonly string[] OutOfWorld = ["cat", "horse", "airplane", "boat", "bird", "chair", "table", "lamp", "phone", "cup", "train", "sheep", "cow", "guitar", "flower", "robot"];

    public static Command Create(Terminal terminal)
    {
        var seed = new Option<int>("--seed") { Description = "Seed of the split", DefaultValueFactory = _ => 1 };
        var count = new Option<int>("--count") { Description = "Samples (0: until the reader closes the stream)", DefaultValueFactory = _ => 0 };
        var start = new Option<long>("--start") { Description = "Index of the first scene", DefaultValueFactory = _ => 0 };
        var render = Options.Size("224x168");
        render.Aliases.Add("--render");
        var input = new Option<int>("--input") { Description = "Model input size (square)", DefaultValueFactory = _ => 160 };
        var grid = new Option<int>("--grid") { Description = "Patch grid of the vision encoder (square)", DefaultValueFactory = _ => 20 };
        var exclude = new Option<string[]>("--exclude") { Description = "Class:color pairs never drawn (compositional hold-out)", AllowMultipleArgumentsPerToken = true };
        var favor = new Option<string[]>("--favor") { Description = "Class:color pairs to put in half the scenes (hold-out test split)", AllowMultipleArgumentsPerToken = true };
        var oov = new Option<double>("--oov-rate") { Description = "Share of questions rewritten about an object outside the world (answer: unanswerable)", DefaultValueFactory = _ => 0.05 };
        var sameClass = new Option<double>("--same-class-rate") { Description = "Chance that an object takes the class of one already placed (more two-of-a-kind scenes)", DefaultValueFactory = _ => 0 };
        var sameColor = new Option<double>("--same-color-rate") { Description = "Chance that an object takes the color of one already placed (its twin's, with --same-class-rate)", DefaultValueFactory = _ => 0 };
        var edge = new Option<double>("--edge-rate") { Description = "Chance that an object straddles the frame's edge (20-80% in view), as in clips", DefaultValueFactory = _ => 0 };
        var minObjects = new Option<int>("--min-objects") { Description = "Fewest objects per scene (0 allows empty scenes)", DefaultValueFactory = _ => new SceneOptions().MinObjects };
        var questions = new Option<int>("--questions") { Description = "Questions per scene", DefaultValueFactory = _ => new SceneOptions().QuestionsPerFrame };
        var vocab = new Option<string?>("--vocab-out") { Description = "Write the text vocabulary and answer list (JSON) to this file and exit" };
        var output = new Option<string?>("--out") { Description = "Write records to this file instead of stdout" };
        var (randomise, photos) = Options.Randomise();
        var worldFile = Options.WorldFile();
        var packPhotos = new Option<string?>("--pack-photos") { Description = "Pack the photos of --photos (a folder) into this file of raw pixels, for machines without OpenCV, and exit" };
        var command = new Command("dataset", "Stream training samples (model input, dense labels, caption, questions) for the training script")
        {
            seed, count, start, render, input, grid, exclude, favor, sameClass, sameColor, edge, minObjects, questions, oov, vocab, output, randomise, photos, packPhotos, worldFile,
        };
        command.SetGuardedAction(terminal, (parse, cancel) =>
        {
            var world = Options.LoadWorld(parse.GetValue(worldFile));
            if (parse.GetValue(vocab) is { } vocabFile)
            {
                // the world travels with the vocabulary: the training script writes it into the bundle's manifest
                var meta = new System.Text.Json.Nodes.JsonObject
                {
                    ["vocabulary"] = new System.Text.Json.Nodes.JsonArray(BuildVocabulary(world).Select(w => (System.Text.Json.Nodes.JsonNode)w).ToArray()),
                    ["answers"] = new System.Text.Json.Nodes.JsonArray(world.Answers.Select(a => (System.Text.Json.Nodes.JsonNode)a).ToArray()),
                    ["world"] = world.ToJson(),
                };
                File.WriteAllText(vocabFile, meta.ToJsonString());
                terminal.Out.WriteLine($"wrote {vocabFile}");
                return 0;
            }
            if (parse.GetValue(packPhotos) is { } packFile)
            {
                var library = PhotoLibrary.Load(parse.GetValue(photos) ?? throw new UsageException("--pack-photos needs --photos FOLDER"));
                library.Pack(packFile);
                terminal.Out.WriteLine($"packed {library.Count} photos into {packFile}");
                return 0;
            }
            var (rw, rh) = Options.ParseSize(parse.GetValue(render)!)!.Value;
            int size = parse.GetValue(input), g = parse.GetValue(grid);
            if (size is < 16 or > 1024 || g < 1 || size % g != 0)
                throw new UsageException($"--input {size} must be within 16..1024 and a multiple of --grid {g}");
            var options = new SceneOptions { Width = rw, Height = rh, ExcludedPairs = parse.GetValue(exclude) ?? [], FavoredPairs = parse.GetValue(favor) ?? [],
                SameClassChance = parse.GetValue(sameClass), SameColorChance = parse.GetValue(sameColor), QuestionsPerFrame = parse.GetValue(questions),
                EdgeObjectChance = parse.GetValue(edge), MinObjects = parse.GetValue(minObjects), World = world,
                Randomise = parse.GetValue(randomise), Photos = parse.GetValue(photos) is { } dir ? PhotoLibrary.Load(dir) : null };
            var spec = new PreprocessSpec { Width = size, Height = size };
            using var pre = new CpuPreprocessor(spec with { Element = TensorElement.Float16 });
            var tensor = new Half[spec.OutputLength];
            var labels = new byte[3 * g * g];
            using var stream = parse.GetValue(output) is { } file ? File.Create(file) : Console.OpenStandardOutput();
            using var buffered = new BufferedStream(stream, 1 << 20);
            int n = parse.GetValue(count);
            long first = parse.GetValue(start);
            double oovRate = parse.GetValue(oov);
            var header = new byte[4];
            try
            {
                for (long i = first; n == 0 || i < first + n; i++)
                {
                    cancel.ThrowIfCancellationRequested();
                    var scene = SceneGenerator.Render(parse.GetValue(seed), i, options);
                    pre.Run(new ImageView(scene.Bgr, rw, rh, rw * 3), tensor);
                    DenseLabels(scene, g, labels);
                    var rng = new Random(QuestionRng(parse.GetValue(seed), i)); // HashCode is seeded per process: not reproducible
                    var json = JsonSerializer.SerializeToUtf8Bytes(new
                    {
                        index = i,
                        width = rw,
                        height = rh,
                        caption = SceneCaptions.For(scene.Objects),
                        objects = scene.Objects.Select(o => new { id = o.Id, @class = o.Class, color = o.Color, box = new[] { o.Box.X, o.Box.Y, o.Box.Width, o.Box.Height } }),
                        questions = scene.Questions.Select(q => Maybe(q, rng, oovRate, world)).Select(q => new { q = q.Question, a = AnswerVocabulary.Label(q.Answer), kind = q.Kind, ids = q.ObjectIds ?? [] }),
                    });
                    BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)json.Length);
                    buffered.Write(header);
                    buffered.Write(json);
                    buffered.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(tensor.AsSpan()));
                    buffered.Write(labels);
                }
                buffered.Flush();
            }
            catch (IOException) when (parse.GetValue(output) is null)
            {
                // the trainer closed the pipe: that is how an endless stream ends
            }
            return 0;
        });
        return command;
    }

    /// <summary>The seed of scene <paramref name="index"/>'s question rewriting: the same in every process.</summary>
    internal static int QuestionRng(int seed, long index) => (int)(((uint)seed * 2654435761u) ^ (uint)(index * 40503L + 7));

    /// <summary>With probability <paramref name="rate"/>, the question asks about something outside the world instead.</summary>
    internal static QuestionTruth Maybe(QuestionTruth q, Random rng, double rate, World world)
    {
        if (q.Kind is not ("color" or "count" or "exist" or "position") || rng.NextDouble() >= rate)
            return q;
        var words = q.Question.Split(' ');
        int at = Array.FindIndex(words, w => world.Classes.Contains(w) || world.Classes.Any(c => world.Plural(c) == w));
        if (at < 0)
            return q;
        // a noun outside this world (the generator's other classes are outside a smaller world too)
        var outside = OutOfWorld.Concat(SceneWorld.Classes.Where(c => !world.Classes.Contains(c))).ToArray();
        var noun = outside[rng.Next(outside.Length)];
        words[at] = world.Classes.Contains(words[at]) ? noun : noun + "s";
        return new QuestionTruth(string.Join(' ', words), q.Kind, AnswerVocabulary.Unanswerable, []);
    }

    /// <summary>Per grid cell: the object covering most of it (if it covers a fifth), its color, and whether its box center is there.</summary>
    static void DenseLabels(SceneFrame scene, int g, byte[] labels)
    {
        Array.Clear(labels);
        var cover = new int[g * g];
        var best = new int[g * g];
        int cellArea = Math.Max(1, scene.Width * scene.Height / (g * g));
        foreach (var o in scene.Objects)
        {
            Array.Clear(cover);
            var inside = new byte[o.Box.Area];
            o.Mask!.Decode(inside);
            for (int y = 0; y < o.Box.Height; y++)
                for (int x = 0; x < o.Box.Width; x++)
                    if (inside[y * o.Box.Width + x] != 0)
                        cover[(o.Box.Y + y) * g / scene.Height * g + (o.Box.X + x) * g / scene.Width]++;
            for (int c = 0; c < g * g; c++)
            {
                if (cover[c] * 5 >= cellArea && cover[c] > best[c])
                {
                    best[c] = cover[c];
                    labels[c] = (byte)(SceneWorld.IndexOf(SceneWorld.Classes, o.Class) + 1);
                    labels[g * g + c] = (byte)(SceneWorld.IndexOf(SceneWorld.Colors, o.Color) + 1);
                }
            }
            int cx = (int)(o.Box.CenterX * g / scene.Width), cy = (int)(o.Box.CenterY * g / scene.Height);
            labels[2 * g * g + Math.Min(cy, g - 1) * g + Math.Min(cx, g - 1)] = 1;
        }
    }

    /// <summary>Every word the questions and captions of the world use, sorted, after [PAD], [CLS], [UNK].</summary>
    static List<string> BuildVocabulary(World world)
    {
        var words = new SortedSet<string>(StringComparer.Ordinal);
        var options = new SceneOptions { Width = 96, Height = 72, World = world };
        for (int i = 0; i < 4000; i++)
        {
            var s = SceneGenerator.Render(12345, i, options);
            foreach (var q in s.Questions)
                words.UnionWith(QuestionTokenizer.Words(q.Question));
            words.UnionWith(QuestionTokenizer.Words(SceneCaptions.For(s.Objects)));
        }
        words.UnionWith(world.Classes);
        words.UnionWith(world.Classes.Select(world.Plural));
        words.UnionWith(world.Colors);
        words.UnionWith(["a", "an", "and", "nothing"]);
        return [QuestionTokenizer.Pad, QuestionTokenizer.Cls, QuestionTokenizer.Unknown, .. words];
    }
}
