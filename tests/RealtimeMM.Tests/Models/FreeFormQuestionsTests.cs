using RealtimeMM.Frames;
using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;
using RealtimeMM.Replay;
using RealtimeMM.Scenes;
using RealtimeMM.Scenes.TestWorld;

namespace RealtimeMM.Tests.Models;

/// <summary>
/// Questions as people type them (tests/data/free-form-questions.tsv, written for the test): each
/// phrasing filled from a scene's ground truth, asked about generated scenes and test-world scenes,
/// scored against the truth; questions about things outside the world are still refused.
/// </summary>
public class FreeFormQuestionsTests : TestBase
{
    static QuestionAnswerer answerer = null!;
    static readonly Dictionary<string, List<string>> Phrasings = [];
    static readonly Dictionary<string, string[]> Forms = [];

    [OneTimeSetUp]
    public void Open()
    {
        answerer = QuestionAnswerer.Open(device: RealtimeMM.Gpu.DevicePreference.Cpu);
        foreach (var line in File.ReadAllLines(Path.Combine(Tools.RepositoryRoot(), "tests", "data", "free-form-questions.tsv")))
        {
            if (line.StartsWith('#') || line.Length == 0)
                continue;
            var parts = line.Split('\t');
            if (line.StartsWith('@'))
                Forms[parts[0][1..]] = parts[1].Split(',', StringSplitOptions.TrimEntries);
            else
                (Phrasings.TryGetValue(parts[0], out var list) ? list : Phrasings[parts[0]] = []).Add(parts[1]);
        }
    }

    [OneTimeTearDown]
    public void Close() => answerer.Dispose();

    static string Plural(string w) => w.EndsWith('y') && !"aeiou".Contains(w[^2]) ? w[..^1] + "ies" : w.EndsWith('s') || w.EndsWith('x') || w.EndsWith("ch") ? w + "es" : w + "s";

    /// <summary>Free-form questions about scenes, one phrasing after another, each with the truth's answer label.</summary>
    static List<(string Question, string Label, SceneFrame Scene)> Instances(Func<long, SceneFrame> render, int wanted)
    {
        var result = new List<(string, string, SceneFrame)>();
        var turn = new Dictionary<string, int>();
        int formTurn = 0;
        for (long i = 0; result.Count < wanted; i++)
        {
            var scene = render(i);
            foreach (var q in scene.Questions)
            {
                var words = q.Question.Split(' ');
                if (words.Contains("left") || words.Contains("right") || !Phrasings.ContainsKey(q.Kind))
                    continue;
                string? cls = SceneWorld.Classes.FirstOrDefault(c => words.Contains(c) || words.Contains(SceneWorld.Plural(c)));
                string? color = SceneWorld.Colors.FirstOrDefault(words.Contains);
                // phrasings this truth can fill: {color} only with a color, {thing} only with a class; a color count has no class
                var usable = Phrasings[q.Kind].Where(p => p.Contains("{color}") == (color is not null) && (p.Contains("{thing") == (cls is not null) || q.Kind == "identify")).ToList();
                if (usable.Count == 0)
                    continue;
                int k = turn.GetValueOrDefault(q.Kind);
                turn[q.Kind] = k + 1;
                string phrasing = usable[k % usable.Count];
                var forms = cls is null ? [] : Forms.GetValueOrDefault(cls, [cls]);
                string thing = cls is null ? "" : forms[formTurn % forms.Length];
                string things = cls == "person" ? Forms["people"][formTurn % Forms["people"].Length] : Plural(thing);
                string colorWord = color is null ? "" : Forms.GetValueOrDefault(color, [color])[formTurn % Forms.GetValueOrDefault(color, [color]).Length];
                formTurn++;
                result.Add((phrasing.Replace("{things}", things).Replace("{thing}", thing).Replace("{color}", colorWord), AnswerVocabulary.Label(q.Answer), scene));
                if (result.Count == wanted)
                    break;
            }
        }
        return result;
    }

    static double Score(List<(string Question, string Label, SceneFrame Scene)> set, string name)
    {
        int right = 0, refused = 0;
        var wrong = new List<string>();
        foreach (var group in set.GroupBy(x => x.Scene))
        {
            var s = group.Key;
            using var frame = answerer.Encode(new ImageView(s.Bgr, s.Width, s.Height, s.Width * 3));
            var answers = answerer.AskMany(frame, group.Select(g => g.Question).ToList());
            foreach (var (item, a) in group.Zip(answers))
            {
                if (a.ModelAnswer == item.Label)
                    right++;
                else
                    wrong.Add($"{item.Question} -> {a.Text} [{a.Interpreted ?? a.Reason}] (truth {item.Label})");
                refused += a.Reason is not null && a.ModelAnswer is null ? 1 : 0;
            }
        }
        double rate = 100.0 * right / set.Count;
        TestContext.Out.WriteLine($"{name}: {right}/{set.Count} right ({rate:F1}%), {refused} refused; first wrong ones:\n  " + string.Join("\n  ", wrong.Take(25)));
        return rate;
    }

    [Test]
    public void AskMany_FreeFormQuestions_AnsweredLikeTheTemplates()
    {
        Assert.That(Phrasings.Values.Sum(p => p.Count), Is.GreaterThanOrEqualTo(60));
        var generated = Instances(i => SceneGenerator.Render(2, 3000 + i), 400);
        var world = Instances(i => TestWorldGenerator.Render(2, i), 400);
        Assert.That(generated.Select(g => g.Question).Distinct().Count(), Is.GreaterThanOrEqualTo(300));
        double onGenerated = Score(generated, "test split (generator)");
        double onWorld = Score(world, "test world");
        // the normaliser's share is read on the generator's scenes, where the model answers its templates 98.9% right
        // (99.8% here when written); on the test world the model's own weakness there sets the rate (72.8% when written)
        Assert.That(onGenerated, Is.GreaterThanOrEqualTo(97));
        Assert.That(onWorld, Is.GreaterThanOrEqualTo(70));
    }

    [Test]
    public void Ask_OutOfWorldOrFillerOnly_StillRefused()
    {
        var s = SceneGenerator.Render(2, 0);
        foreach (var q in Phrasings["refuse"])
        {
            var a = answerer.Ask(new ImageView(s.Bgr, s.Width, s.Height, s.Width * 3), q);
            TestContext.Out.WriteLine($"{q} -> {a.Text}");
            Assert.That(a.Answered, Is.False, q);
            Assert.That(a.Reason, Does.Contain("unknown word").Or.Contain("names nothing the model knows").Or.Contain("not clear what the question asks"), q);
        }
    }

    [TestCase("please say what colour the bike is", "what color is the bicycle")]
    [TestCase("are any grey lorries around", "is there a gray truck")]
    [TestCase("how many pups do you count", "how many dogs are there")]
    [TestCase("where's the doggy located", "where is the dog")]
    [TestCase("what color is teh car", "what color is the car")]
    [TestCase("how many people are there", "how many people are there")]
    public void Interpret_IssueExamples_WorldWording(string typed, string meant)
    {
        var i = QuestionNormaliser.For(answerer.Bundle).Interpret(typed);
        Assert.That(i.Refusal, Is.Null);
        Assert.That(i.Text, Is.EqualTo(meant));
    }
}
