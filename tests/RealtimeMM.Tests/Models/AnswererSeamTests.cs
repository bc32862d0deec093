using RealtimeMM.Answering;
using RealtimeMM.Frames;
using RealtimeMM.Gpu;
using RealtimeMM.Scenes;
using RealtimeMM.Tests.Scenes;

namespace RealtimeMM.Tests.Models;

/// <summary>
/// The answerer seam: an answerer added to a QuestionAnswerer gets the questions it says it can
/// take, the scene model the rest, and every answer names who gave it. The answerer here is a
/// small real one, the shape taught examples (issue 24) will take: the nearest of a few labelled
/// frames by image embedding.
/// </summary>
public class AnswererSeamTests : TestBase
{
    sealed class NearestExampleAnswerer(IReadOnlyList<(string Label, float[] Embedding)> examples) : IAnswerer
    {
        public string Name => "taught-examples";

        public bool CanAnswer(ParsedQuestion question, FrameEncoding frame) => question.Asked.StartsWith("which scene is this", StringComparison.Ordinal);

        public IReadOnlyList<Answer> Answer(FrameEncoding frame, IReadOnlyList<ParsedQuestion> questions)
        {
            var scores = examples.Select(e => e.Embedding.Zip(frame.Embedding).Sum(p => p.First * p.Second)).ToArray();
            int best = Array.IndexOf(scores, scores.Max());
            float confidence = (float)(Math.Exp(20 * scores[best]) / scores.Sum(s => Math.Exp(20 * s)));
            return questions.Select(q => new Answer(q.Asked, examples[best].Label, confidence, "taught", null, frame.Timings(), "cpu") { InWorld = frame.InWorld }).ToArray();
        }
    }

    [Test]
    public void AddedAnswerer_TakesItsQuestions_TheSceneModelTheRest_EachAnswerNamesItsAnswerer()
    {
        using var answerer = QuestionAnswerer.Open(device: DevicePreference.Cpu);
        static ImageView View(SceneFrame s) => new(s.Bgr, s.Width, s.Height, s.Width * 3);
        var a = SceneGenerator.Render(7, 1);
        var b = SceneGenerator.Render(7, 2);
        var examples = new[] { a, b }.Select((s, i) => { using var e = answerer.Encode(View(s)); return ($"scene {(char)('a' + i)}", e.Embedding); }).ToList();
        answerer.AddAnswerer(new NearestExampleAnswerer(examples));
        Assert.That(answerer.Answerers.Select(x => x.Name), Is.EqualTo(new[] { "taught-examples", "scene-model" }));

        using var frame = answerer.Encode(View(b));
        var answers = answerer.AskMany(frame, ["which scene is this", "how many cars are there", "which scene is this please"]);
        Assert.That(answers.Select(x => x.Answerer), Is.EqualTo(new[] { "taught-examples", "scene-model", "taught-examples" }));
        Assert.That(answers[0].Text, Is.EqualTo("scene b"), "the nearest taught frame is the frame itself");
        Assert.That(answers[1].ModelAnswer, Is.EqualTo(SceneTruth.Of(b, "how many cars are there")));
        Assert.That(answers[0].Confidence, Is.InRange(0.5f, 1f));
    }
}
