using RealtimeMM.Replay;
using RealtimeMM.Scenes;

namespace RealtimeMM.Tests.Scenes;

public class SceneGeneratorTests : TestBase
{
    [Test]
    public void Render_SameSeedAndIndex_IdenticalBytesAndTruth()
    {
        for (int i = 0; i < 5; i++)
        {
            var a = SceneGenerator.Render(7, i);
            var b = SceneGenerator.Render(7, i);
            Assert.That(a.Bgr, Is.EqualTo(b.Bgr));
            Assert.That(Describe(a), Is.EqualTo(Describe(b)));
        }
        Assert.That(SceneGenerator.Render(7, 0).Bgr, Is.Not.EqualTo(SceneGenerator.Render(8, 0).Bgr));
        Assert.That(SceneGenerator.Render(7, 0).Bgr, Is.Not.EqualTo(SceneGenerator.Render(7, 1).Bgr));
    }

    internal static string Describe(SceneFrame s) =>
        string.Join(";", s.Objects.Select(o => $"{o.Id} {o.Class} {o.Color} {o.Box} {string.Join(",", o.Mask!.Runs)}"))
        + "|" + string.Join(";", s.Questions.Select(q => $"{q.Question}={q.Answer}"));

    [Test]
    public void Render_ManyScenes_TruthIsSelfConsistent()
    {
        var options = new SceneOptions { Width = 192, Height = 144 };
        int objects = 0;
        for (int i = 0; i < 150; i++)
        {
            var s = SceneGenerator.Render(11, i, options);
            Assert.That(s.Objects, Has.Length.InRange(1, 6), $"scene {i}");
            Assert.That(s.Objects.Select(o => o.Id), Is.Unique);
            foreach (var o in s.Objects)
            {
                objects++;
                Assert.That(SceneWorld.Classes, Does.Contain(o.Class));
                Assert.That(SceneWorld.Colors, Does.Contain(o.Color));
                Assert.That(o.Box.X >= 0 && o.Box.Y >= 0 && o.Box.Right <= s.Width && o.Box.Bottom <= s.Height, $"scene {i} box {o.Box}");
                var inside = new byte[o.Box.Area];
                o.Mask!.Decode(inside);
                // the box is the tight box of the mask: every edge row and column has a mask pixel
                Assert.That(Enumerable.Range(0, o.Box.Width).Any(x => inside[x] == 1), Is.True, $"scene {i} object {o.Id}: top row empty");
                Assert.That(Enumerable.Range(0, o.Box.Height).Any(y => inside[y * o.Box.Width] == 1), Is.True, $"scene {i} object {o.Id}: left column empty");
                Assert.That(o.Mask.Area, Is.GreaterThanOrEqualTo(40));
            }
        }
        TestContext.Out.WriteLine($"150 scenes, {objects} objects");
    }

    [Test]
    public void Render_ManyScenes_ObjectPixelsReadAsTheirColorLabel()
    {
        // Read each object's color the way a viewer would: the most common color region among its
        // mask pixels. Shading, lighting and neutral parts (tyres, windows) make single pixels vary.
        int agree = 0, total = 0;
        var confusions = new Dictionary<string, int>();
        for (int i = 0; i < 120; i++)
        {
            var s = SceneGenerator.Render(21, i, new SceneOptions { CameraEffects = false });
            foreach (var o in s.Objects)
            {
                string read = ColorAsSeen(s, o);
                total++;
                if (read == o.Color)
                    agree++;
                else
                    confusions[$"{o.Color}->{read}"] = confusions.GetValueOrDefault($"{o.Color}->{read}") + 1;
            }
        }
        double rate = (double)agree / total;
        TestContext.Out.WriteLine($"color label agreement {agree}/{total} = {rate:P1}; confusions: {string.Join(", ", confusions.OrderByDescending(c => c.Value).Select(c => $"{c.Key} x{c.Value}"))}");
        Assert.That(rate, Is.GreaterThanOrEqualTo(0.95));
    }

    /// <summary>An object's color as a viewer reads it: the most common color region among its mask pixels.</summary>
    internal static string ColorAsSeen(SceneFrame s, ObjectTruth o)
    {
        var inside = new byte[o.Box.Area];
        o.Mask!.Decode(inside);
        var votes = new int[SceneWorld.Colors.Count];
        for (int y = 0; y < o.Box.Height; y++)
            for (int x = 0; x < o.Box.Width; x++)
            {
                if (inside[y * o.Box.Width + x] == 0)
                    continue;
                int p = ((o.Box.Y + y) * s.Width + o.Box.X + x) * 3;
                votes[ColorRegions.Classify(s.Bgr[p + 2], s.Bgr[p + 1], s.Bgr[p]).Index]++;
            }
        return SceneWorld.Colors[Array.IndexOf(votes, votes.Max())];
    }

    [Test]
    public void Render_Questions_AnswersAgreeWithObjects()
    {
        var kinds = new Dictionary<string, HashSet<string>>();
        for (int i = 0; i < 100; i++)
        {
            var s = SceneGenerator.Render(3, i);
            var byId = s.Objects.ToDictionary(o => o.Id);
            Assert.That(s.Questions.Select(q => q.Question), Is.Unique);
            foreach (var q in s.Questions)
            {
                var ids = q.ObjectIds ?? [];
                Assert.That(ids.All(byId.ContainsKey), $"{q.Question}: unknown object id");
                var about = ids.Select(id => byId[id]).ToArray();
                string template = string.Join(" ", q.Question.Split(' ').Where(w => !SceneWorld.Classes.Contains(w) && !SceneWorld.Colors.Contains(w)));
                kinds.TryAdd(q.Kind, []);
                kinds[q.Kind].Add(template);
                string why = $"scene {i}: \"{q.Question}\" -> {q.Answer}";
                switch (q.Kind)
                {
                    case "count":
                        Assert.That(q.Answer, Is.EqualTo(ids.Length.ToString()), why);
                        break;
                    case "exist":
                        Assert.That(q.Answer, Is.EqualTo(ids.Length > 0 ? "yes" : "no"), why);
                        break;
                    case "color" when q.Answer.StartsWith("there are ", StringComparison.Ordinal):
                        Assert.That(about, Has.Length.GreaterThan(1), why);
                        Assert.That(q.Answer, Is.EqualTo($"there are {about.Length} {SceneWorld.Plural(about[0].Class)}"), why);
                        break;
                    case "color":
                        Assert.That(about, Has.Length.EqualTo(1), why);
                        Assert.That(q.Answer, Is.EqualTo(about[0].Color), why);
                        Assert.That(q.Question, Does.Contain(about[0].Class), why);
                        break;
                    case "position":
                        Assert.That(q.Answer, Is.EqualTo(SceneWorld.PositionOf(about[0].Box.CenterX, about[0].Box.CenterY, s.Width, s.Height)), why);
                        break;
                    case "identify":
                        Assert.That(q.Answer, Is.EqualTo(about[0].Class), why);
                        Assert.That(s.Objects.Count(o => o.Color == about[0].Color), Is.EqualTo(1), why);
                        break;
                    default:
                        Assert.Fail($"unknown kind {q.Kind}");
                        break;
                }
                if (q.Kind is "count" or "exist")
                {
                    // the ids are every object of the class (and color) the question names
                    var cls = SceneWorld.Classes.FirstOrDefault(c => q.Question.Split(' ').Any(w => w == c || w == SceneWorld.Plural(c)));
                    var col = SceneWorld.Colors.FirstOrDefault(c => q.Question.Split(' ').Contains(c));
                    var expected = s.Objects.Where(o => (cls is null || o.Class == cls) && (col is null || o.Color == col)).Select(o => o.Id).Order();
                    Assert.That(ids.Order(), Is.EqualTo(expected), why);
                }
            }
        }
        Assert.That(kinds.Keys, Is.EquivalentTo(SceneWorld.QuestionKinds));
        foreach (var (kind, templates) in kinds)
        {
            TestContext.Out.WriteLine($"{kind}: {templates.Count} phrasings");
            Assert.That(templates.Count, Is.GreaterThanOrEqualTo(4), kind);
        }
    }

    [Test]
    public void RenderClip_ObjectsKeepIdsAndMove()
    {
        int moved = 0, entered = 0, left = 0;
        for (int seed = 0; seed < 12; seed++)
        {
            var frames = SceneGenerator.RenderClip(seed, 60, 30, Clips.Small).ToArray();
            Assert.That(frames, Has.Length.EqualTo(60));
            var firstIds = frames[0].Objects.Select(o => o.Id).ToHashSet();
            var lastIds = frames[^1].Objects.Select(o => o.Id).ToHashSet();
            entered += lastIds.Except(firstIds).Count();
            left += firstIds.Except(lastIds).Count();
            foreach (var o in frames[0].Objects)
                if (frames[^1].Objects.FirstOrDefault(p => p.Id == o.Id) is { } later && (later.Box.X != o.Box.X || later.Box.Y != o.Box.Y))
                    moved++;
            // same seed, same clip
            Assert.That(SceneGenerator.RenderClip(seed, 60, 30, Clips.Small).Last().Bgr, Is.EqualTo(frames[^1].Bgr));
        }
        TestContext.Out.WriteLine($"12 clips: {moved} objects moved, {entered} entered, {left} left");
        Assert.That(moved, Is.GreaterThan(12));
        Assert.That(entered, Is.GreaterThan(0));
        Assert.That(left, Is.GreaterThan(0));
    }

    [TestCase(10, 10)]
    [TestCase(320, 8000)]
    public void Render_BadSize_Throws(int w, int h)
    {
        Assert.That(() => SceneGenerator.Render(1, 0, new SceneOptions { Width = w, Height = h }),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains($"{w}x{h}"));
    }

    [TestCase(10, 10, 320, 240, "top left")]
    [TestCase(160, 120, 320, 240, "center")]
    [TestCase(300, 120, 320, 240, "right")]
    [TestCase(160, 230, 320, 240, "bottom")]
    public void PositionOf_Thirds(double x, double y, int w, int h, string expected) =>
        Assert.That(SceneWorld.PositionOf(x, y, w, h), Is.EqualTo(expected));

    [Test]
    public void Plural_IrregularAndRegular()
    {
        Assert.That(new[] { "person", "bus", "box", "car" }.Select(SceneWorld.Plural), Is.EqualTo(new[] { "people", "buses", "boxes", "cars" }));
        Assert.That(SceneWorld.Article("orange"), Is.EqualTo("an"));
    }

    [Test]
    public void Render_EdgeObjects_LabelledOnesTouchTheEdgeAndTheRestAreNamedPartlyVisible()
    {
        var options = new SceneOptions { Width = 192, Height = 144, EdgeObjectChance = 1 };
        int labelled = 0, partly = 0;
        for (int i = 0; i < 100; i++)
        {
            var s = SceneGenerator.Render(12, i, options);
            foreach (var o in s.Objects)
            {
                labelled++;
                var b = o.Box;
                Assert.That(b.X <= 0 || b.Y <= 0 || b.X + b.Width >= s.Width || b.Y + b.Height >= s.Height, Is.True, $"scene {i}: {o.Class} at {b} is not at an edge");
            }
            partly += s.PartlyVisibleClasses.Length;
            var unsure = s.PartlyVisibleClasses.Except(s.Objects.Select(o => o.Class)).ToHashSet();
            Assert.That(s.Questions.SelectMany(q => q.Question.Split(' ')).Where(unsure.Contains), Is.Empty, $"scene {i}: a question about a class only partly in view");
        }
        TestContext.Out.WriteLine($"{labelled} objects at least half in view, {partly} partly visible classes in 100 scenes");
        Assert.That(labelled, Is.GreaterThan(50));
        Assert.That(partly, Is.GreaterThan(50));
    }

    [Test]
    public void Render_MinObjectsZero_SomeScenesEmptyWithHonestAnswers()
    {
        var options = new SceneOptions { Width = 160, Height = 120, MinObjects = 0 };
        var empty = Enumerable.Range(0, 200).Select(i => SceneGenerator.Render(13, i, options)).Where(s => s.Objects.Length == 0 && s.PartlyVisibleClasses.Length == 0).ToList();
        Assert.That(empty, Is.Not.Empty);
        foreach (var s in empty)
            Assert.That(s.Questions.All(q => q.Answer is "0" or "no"), Is.True, string.Join("; ", s.Questions.Select(q => $"{q.Question}={q.Answer}")));
    }

    [Test]
    public void Render_SameColorChance_TwinsShareTheirColorAndOtherObjectsTakePlacedColors()
    {
        static (int Twins, int SameColored, int Objects, int ColorShared) Count(SceneOptions options)
        {
            int twins = 0, sameColored = 0, objects = 0, colorShared = 0;
            for (int i = 0; i < 300; i++)
            {
                var o = SceneGenerator.Render(7, i, options).Objects;
                foreach (var g in o.GroupBy(x => x.Class).Where(g => g.Count() > 1))
                {
                    twins++;
                    sameColored += g.Select(x => x.Color).Distinct().Count() < g.Count() ? 1 : 0;
                }
                objects += o.Length;
                colorShared += o.Count(x => o.Any(y => y != x && y.Color == x.Color));
            }
            return (twins, sameColored, objects, colorShared);
        }
        var plain = Count(new SceneOptions { Width = 160, Height = 120, SameClassChance = 0.5 });
        var same = Count(new SceneOptions { Width = 160, Height = 120, SameClassChance = 0.5, SameColorChance = 0.8 });
        TestContext.Out.WriteLine($"same class 0.5: {plain.SameColored}/{plain.Twins} twin groups share a color, {plain.ColorShared}/{plain.Objects} objects share one; " +
            $"with same color 0.8: {same.SameColored}/{same.Twins}, {same.ColorShared}/{same.Objects}");
        Assert.That(same.SameColored / (double)same.Twins, Is.GreaterThan(0.6).And.GreaterThan(3 * plain.SameColored / (double)plain.Twins));
        Assert.That(same.ColorShared / (double)same.Objects, Is.GreaterThan(2 * plain.ColorShared / (double)plain.Objects));
        Assert.That(() => new SceneOptions { SameColorChance = 1.5 }.Validate(), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("same-color"));
    }

    [TestCase(2, 17, "car:green,dog:blue", "1B28758181D9CEFF")]
    [TestCase(1, 5, "", "EB32A32ADDE57952")]
    public void Render_DefaultOptions_SameScenesAsBeforeTheTrainingOnlyOptions(int seed, long index, string favored, string sha256Prefix)
    {
        // hashes taken from the generator before SameClassChance, SameColorChance and EdgeObjectChance existed: off, they
        // draw no random numbers, so test splits (and every number measured on them) stay the same scenes
        var s = SceneGenerator.Render(seed, index, new SceneOptions { FavoredPairs = favored.Length == 0 ? [] : favored.Split(',') });
        Assert.That(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(s.Bgr))[..16], Is.EqualTo(sha256Prefix));
    }
}

public class RandomisedSceneTests : TestBase
{
    [Test]
    public void Render_Randomised_DeterministicTruthStillDescribesThePixels()
    {
        var options = new SceneOptions { Randomise = 1, CameraEffects = false };
        var first = SceneGenerator.Render(9, 0, options);
        Assert.That(first.Bgr, Is.EqualTo(SceneGenerator.Render(9, 0, options).Bgr));
        Assert.That(first.Bgr, Is.Not.EqualTo(SceneGenerator.Render(9, 0, options with { Randomise = 0 }).Bgr));
        int agree = 0, total = 0;
        var confusions = new Dictionary<string, int>();
        for (int i = 0; i < 80; i++)
        {
            var s = SceneGenerator.Render(9, i, options);
            foreach (var o in s.Objects)
            {
                Assert.That(o.Mask!.Area, Is.GreaterThanOrEqualTo(40));
                if (o.Class == "bicycle")
                    continue; // its black tyres outvote its thin frame once a bar hides part of it: the vote cannot read it
                total++;
                string read = SceneGeneratorTests.ColorAsSeen(s, o);
                agree += read == o.Color ? 1 : 0;
                if (read != o.Color)
                    confusions[$"{o.Class} {o.Color}->{read}"] = confusions.GetValueOrDefault($"{o.Class} {o.Color}->{read}") + 1;
            }
        }
        TestContext.Out.WriteLine($"randomised style: {agree}/{total} objects read as their color label; {string.Join(", ", confusions.OrderByDescending(c => c.Value).Select(c => $"{c.Key} x{c.Value}"))}");
        Assert.That((double)agree / total, Is.GreaterThanOrEqualTo(0.93));
    }
}
