using System.Text.Json.Nodes;
using RealtimeMM.Frames;
using RealtimeMM.Gpu;
using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;
using RealtimeMM.Scenes;

namespace RealtimeMM.Tests.Models;

/// <summary>The world as data: read from the bundle (manifest version 2) or a world file; version-1 bundles still load.</summary>
public class WorldTests : TestBase
{
    [Test]
    public void SdkAssembly_ReferencesNoGeneratorTestOrBenchCode()
    {
        var refs = typeof(ModelBundle).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToArray();
        TestContext.Out.WriteLine(string.Join(", ", refs.Order()));
        Assert.That(refs, Has.None.StartsWith("RealtimeMM."), "the SDK references none of the project's other assemblies (the generator is RealtimeMM.Scenes)");
        Assert.That(refs, Has.None.EqualTo("rtmm").And.None.Contains("nunit").And.None.Contains("Test"));
        Assert.That(typeof(ModelBundle).Assembly.GetTypes().Select(t => t.Namespace), Has.None.EqualTo("RealtimeMM.Scenes"));
        Assert.That(typeof(SceneGenerator).Assembly.GetName().Name, Is.EqualTo("RealtimeMM.Scenes"));
    }

    [Test]
    public void VersionOneBundle_LoadsWithTheDefaultWorld_AndAnswersTheSame()
    {
        var dir = BundleCopy.Make(Temp);
        BundleCopy.EditManifest(dir, j =>
        {
            var world = j["world"]!.AsObject();
            j.Remove("world");
            j["version"] = 1;
            j["answers"] = world["answers"]!.DeepClone();
            j["question_kinds"] = new JsonArray(world["question_kinds"]!.AsObject().Select(p => (JsonNode)p.Key).ToArray());
        });
        using var v1 = new QuestionAnswerer(ModelBundle.Load(dir), DevicePreference.Cpu);
        using var v2 = QuestionAnswerer.Open(device: DevicePreference.Cpu);
        Assert.That(v1.Bundle.Manifest.Version, Is.EqualTo(1));
        Assert.That(v1.Bundle.Manifest.World.Classes, Is.EqualTo(v2.Bundle.Manifest.World.Classes));
        Assert.That(v1.Bundle.Manifest.World.Phrasings["color"], Is.EqualTo(v2.Bundle.Manifest.World.Phrasings["color"]));
        var scene = SceneGenerator.Render(2, 7);
        foreach (var q in scene.Questions.Take(6))
        {
            var a1 = v1.Ask(new ImageView(scene.Bgr, scene.Width, scene.Height, scene.Width * 3), q.Question);
            var a2 = v2.Ask(new ImageView(scene.Bgr, scene.Width, scene.Height, scene.Width * 3), q.Question);
            Assert.That((a1.Text, a1.Confidence), Is.EqualTo((a2.Text, a2.Confidence)), q.Question);
        }
    }

    [Test]
    public void WorldFile_RoundTrips_AndTheGeneratorDrawsOnlyItsClassesAndColors()
    {
        var world = SmallWorld();
        string file = Path.Combine(Temp, "small.json");
        File.WriteAllText(file, world.ToJson().ToJsonString());
        var read = World.Load(file);
        Assert.That(read.Classes, Is.EqualTo(new[] { "car", "dog", "ball", "tree" }));
        Assert.That(read.Answers, Is.EqualTo(world.Answers));
        Assert.That(read.Plural("dog"), Is.EqualTo("dogs"));
        var options = new SceneOptions { World = read, MaxObjects = 4 };
        var seenClasses = new HashSet<string>();
        var asked = new HashSet<string>();
        for (int i = 0; i < 60; i++)
        {
            var s = SceneGenerator.Render(1, i, options);
            foreach (var o in s.Objects)
            {
                Assert.That(read.Classes, Does.Contain(o.Class));
                Assert.That(read.Colors, Does.Contain(o.Color));
                seenClasses.Add(o.Class);
            }
            foreach (var q in s.Questions)
            {
                Assert.That(read.QuestionKinds, Does.Contain(q.Kind));
                Assert.That(q.Question.Split(' ').Where(w => SceneWorld.Classes.Contains(w) || SceneWorld.Colors.Contains(w)),
                    Is.SubsetOf(read.Classes.Concat(read.Colors)), q.Question);
                asked.Add(q.Kind);
            }
        }
        Assert.That(seenClasses, Is.EquivalentTo(read.Classes));
        Assert.That(asked, Is.EquivalentTo(new[] { "color", "count", "exist" }), "the world's three kinds, and no other");
    }

    [Test]
    public void Normaliser_OfASmallerWorld_UsesItsWordsAndNoOthers()
    {
        var world = SmallWorld();
        string[] vocabulary = ["what", "color", "is", "the", "how", "many", "are", "there", "a", "an", .. world.Classes, .. world.Classes.Select(world.Plural), .. world.Colors];
        var normaliser = new QuestionNormaliser(world, vocabulary, new Dictionary<string, IReadOnlyList<string>>());
        var pup = normaliser.Interpret("what colour is the pup");
        Assert.That((pup.Text, pup.Kind, pup.Subject), Is.EqualTo(("what color is the dog", QuestionKind.Color, "dog")), "the world file's own word for a dog");
        var grey = normaliser.Interpret("how many grey cars are there");
        Assert.That(grey.UnknownWords, Is.True, "gray is not a color of this world, so 'grey' is not one either");
        Assert.That(normaliser.Interpret("where is the dog").Refusal, Is.Not.Null.And.Contain("not clear"), "a kind this world does not take is not guessed");
    }

    /// <summary>A world file with a fault, and what the one-line error must name.</summary>
    static IEnumerable<TestCaseData> BrokenWorlds()
    {
        yield return Case("class twice", j => j["classes"]!.AsArray().Add(new JsonObject { ["name"] = "dog" }), "classes: 'dog' is listed twice");
        yield return Case("color without answer", j => j["colors"]!.AsArray().Add("gray"), "colors: 'gray' has no answer");
        yield return Case("kind without phrasings", j => j["question_kinds"]!["count"] = new JsonArray(), "question_kinds.count");
        yield return Case("unknown kind", j => j["question_kinds"]!["mood"] = new JsonArray("how happy is the {0}"), "question_kinds.mood");
        yield return Case("phrasing without subject", j => j["question_kinds"]!["color"] = new JsonArray("what color"), "question_kinds.color");
        yield return Case("class the generator cannot draw", j => { j["classes"]!.AsArray().Add(new JsonObject { ["name"] = "cat" }); j["answers"]!.AsArray().Add("cat"); }, "classes[4].name: the generator cannot draw 'cat'");

        static TestCaseData Case(string name, Action<JsonObject> breakIt, string message) =>
            new TestCaseData(breakIt, message).SetName($"WorldFile_{name.Replace(' ', '_')}_FailsTheGeneratorNamingTheField");
    }

    [TestCaseSource(nameof(BrokenWorlds))]
    public void WorldFile_Broken_FailsTheGeneratorNamingFileAndField(Action<JsonObject> breakIt, string message)
    {
        var json = SmallWorld().ToJson();
        breakIt(json);
        string file = Path.Combine(Temp, "broken.json");
        File.WriteAllText(file, json.ToJsonString());
        var e = Assert.Throws<WorldException>(() => SceneGenerator.Render(1, 0, new SceneOptions { World = World.Load(file), MaxObjects = 4 }));
        TestContext.Out.WriteLine(e!.Message);
        Assert.That(e.Message, Does.Contain(message));
        Assert.That(e.Message, Does.Not.Contain("\n"));
        Assert.That(e.Message, Does.StartWith(file + ": "));
    }

    internal static World SmallWorld() => new()
    {
        Name = "small",
        ClassList = [new("car", "cars", ["auto"]), new("dog", "dogs", ["pup"]), new("ball", "balls", []), new("tree", "trees", [])],
        Colors = ["red", "green", "blue", "yellow", "white"],
        MaxCount = 4,
        Phrasings = new Dictionary<string, IReadOnlyList<string>>
        {
            ["color"] = ["what color is the {0}", "which color is the {0}"],
            ["count"] = ["how many {0} are there", "count the {0}"],
            ["exist"] = ["is there {1} {0}", "do you see {1} {0}"],
        },
        Answers = World.AnswersFor(["red", "green", "blue", "yellow", "white"], 4, ["car", "dog", "ball", "tree"]),
    };
}
