using System.Numerics.Tensors;
using RealtimeMM.Features;
using RealtimeMM.Teaching;

namespace RealtimeMM.Tests.RealWorld;

/// <summary>
/// Each taught name's own bar (<see cref="TaughtMatcher.Model.Presence"/>): its best score on cells of photos of other
/// things (<see cref="TaughtMatcher.Unlike"/>), and the instances a frame holds once its best cell passes it.
/// </summary>
public class TaughtBarTests : TestBase
{
    const int Channels = 256;

    [Test]
    public void Unlike_IsTheBankPhotosCellsLeastLikeTheGenericCentres()
    {
        var unlike = TaughtMatcher.Unlike(3, Channels)!;
        var generic = TaughtMatcher.GenericBackground(3, Channels);
        Assert.That((unlike.Rows, unlike.Columns), Is.EqualTo((1, 2048)));
        var likeness = new float[unlike.Columns];
        unlike.MaxSimilarity(generic, likeness);
        float worstNorm = Enumerable.Range(0, unlike.Columns).Max(i => Math.Abs(TensorPrimitives.Norm(unlike.Cell(0, i)) - 1));
        TestContext.Out.WriteLine($"likeness to the nearest generic centre {likeness.Min():F3} to {likeness.Max():F3}; unit within {worstNorm:E1}");
        Assert.That(worstNorm, Is.LessThan(1e-5), "unit vectors");
        // tools/BackgroundBank wrote the 2048 cells least like the centres of 109200 (0.406 to 0.545); the median cell is 0.74 alike
        Assert.That(likeness.Max(), Is.LessThan(0.55f), "cells from the same photos and centres as the generic background");
        Assert.That(TaughtMatcher.Unlike(4, 512), Is.Null, "another stage has no bank");
    }

    [Test]
    public void Bar_IsTheNamesBestScoreOnTheUnlikeCells_AtLeastPresence()
    {
        var unlike = TaughtMatcher.Unlike(3, Channels)!;
        var generic = TaughtMatcher.GenericBackground(3, Channels);
        // a name whose example is one of those cells scores high on it: its bar is that score
        var odd = Example("odd", unlike.Cell(0, 7).ToArray());
        var model = TaughtMatcher.ModelOf("odd", [odd], generic, unlike);
        var score = new float[unlike.Columns];
        TaughtMatcher.Score(unlike, model, score);
        Assert.That(model.Presence, Is.EqualTo(score.Max()).Within(1e-6));
        Assert.That(model.Presence, Is.GreaterThan(0.3f));
        // a name taught on a generic centre scores below zero on every such cell: its bar stays at Presence
        var common = TaughtMatcher.ModelOf("common", [Example("common", generic[0])], generic, unlike);
        Assert.That(common.Presence, Is.EqualTo(TaughtMatcher.Presence));
        Assert.That(TaughtMatcher.ModelOf("odd", [odd], generic).Presence, Is.EqualTo(TaughtMatcher.Presence), "no bank, no raise");
    }

    [Test]
    public void Instances_NoCellPastTheBar_None_ElseTheFainterPeaksCountToo()
    {
        // 3 x 9 cells: peaks 0.05 at column 1 and 0.035 at column 7, far apart
        var score = new float[27];
        score[9 + 1] = 0.05f;
        score[9 + 7] = 0.035f;
        var grid = new ScoreGrid(3, 9, 90, 30, score);
        var model = new TaughtMatcher.Model("thing", [], [], 1.0 / 9, 1.0 / 3);
        Assert.That(TaughtMatcher.Instances(grid, model with { Presence = 0.06f }), Is.Empty, "best cell 0.05 below the bar 0.06");
        var found = TaughtMatcher.Instances(grid, model with { Presence = 0.045f });
        Assert.That(found.Select(f => f.Score), Is.EqualTo(new[] { 0.05f, 0.035f }), "0.035 is below the bar but above Presence");
        score[9 + 7] = 0.02f;
        Assert.That(TaughtMatcher.Instances(grid, model with { Presence = 0.045f }), Has.Count.EqualTo(1), "0.02 is below Presence");
    }

    static TaughtExample Example(string name, float[] vector) =>
        new(name, vector, [], new BoxF(0, 0, 10, 10), 100, 100, false, "test", DateTimeOffset.UnixEpoch);
}
