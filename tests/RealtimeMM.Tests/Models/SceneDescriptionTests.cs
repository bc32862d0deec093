using RealtimeMM.Frames;
using RealtimeMM.Gpu;
using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;
using RealtimeMM.Scenes;

namespace RealtimeMM.Tests.Models;

public class SceneDescriptionTests
{
    [Test]
    public void Describe_OneObjectScenes_NamesItsClassColorAndPlace()
    {
        using var answerer = QuestionAnswerer.Open(device: DevicePreference.Cpu);
        var scenes = Enumerable.Range(0, 300).Select(i => SceneGenerator.Render(21, i, new SceneOptions { MaxObjects = 1 })).Take(20).ToList();
        int right = 0;
        foreach (var s in scenes)
        {
            var o = s.Objects.Single();
            var d = answerer.Describe(answerer.Encode(new ImageView(s.Bgr, s.Width, s.Height, s.Width * 3)));
            string position = SceneWorld.PositionOf(o.Box.CenterX, o.Box.CenterY, s.Width, s.Height);
            bool ok = d.Objects.Count == 1 && d.Objects[0].Class == o.Class && d.Objects[0].Color == o.Color && d.Objects[0].Position == position;
            right += ok ? 1 : 0;
            TestContext.Out.WriteLine($"{(ok ? "ok " : "BAD")} truth: {o.Color} {o.Class} at the {position}; said: {d.Text}");
            Assert.That(d.Text, Does.StartWith("I see "));
        }
        Assert.That(right, Is.GreaterThanOrEqualTo(17), "the description should agree with the truth on most one-object scenes");
    }

    [TestCase("describe the scene")]
    [TestCase("what do you see")]
    [TestCase("What's in the picture?")]
    public void Ask_DescribeRequests_AnswerWithADescription(string question)
    {
        using var answerer = QuestionAnswerer.Open(device: DevicePreference.Cpu);
        var s = SceneGenerator.Render(4, 0);
        var a = answerer.Ask(new ImageView(s.Bgr, s.Width, s.Height, s.Width * 3), question);
        Assert.That(a.Kind, Is.EqualTo("describe"));
        Assert.That(a.Answered, Is.True);
        Assert.That(a.Text, Does.StartWith("I see "));
        Assert.That(a.Attention, Is.Not.Null);
        Assert.That(a.TimingsMs.Keys, Does.Contain("describe"));
    }
}
