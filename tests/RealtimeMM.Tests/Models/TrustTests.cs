using OpenCvSharp;
using RealtimeMM.Frames;
using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;
using RealtimeMM.Scenes;

namespace RealtimeMM.Tests.Models;

/// <summary>
/// The shipped bundle's calibration: frames from outside the scene world are flagged and not
/// answered (real photos and footage of tests/data/real-photos, which nothing was fitted on; blank,
/// noise, tiny and huge frames), generated scenes are not, and confidence says "not sure" below
/// the bundle's threshold.
/// </summary>
public class TrustTests : TestBase
{
    static QuestionAnswerer answerer = null!;

    [OneTimeSetUp]
    public void Open() => answerer = QuestionAnswerer.Open(device: RealtimeMM.Gpu.DevicePreference.Cpu);

    [OneTimeTearDown]
    public void Close() => answerer.Dispose();

    static Answer Ask(Mat bgr, string question)
    {
        using var packed = bgr.Clone(); // continuous, whatever the source
        var bytes = new byte[packed.Total() * 3];
        System.Runtime.InteropServices.Marshal.Copy(packed.Data, bytes, 0, bytes.Length);
        return answerer.Ask(new ImageView(bytes, packed.Width, packed.Height, packed.Width * 3), question);
    }

    [Test]
    public void Ask_RealPhotosAndFootage_FlaggedAndNotAnswered()
    {
        var photos = Directory.GetFiles(Path.Combine(Tools.RepositoryRoot(), "tests", "data", "real-photos"), "*.jpg").Order().ToArray();
        Assert.That(photos, Has.Length.GreaterThanOrEqualTo(10));
        int flagged = 0;
        foreach (var file in photos)
        {
            using var image = Cv2.ImRead(file, ImreadModes.Color);
            foreach (var q in new[] { "how many people are there", "what color is the dog", "is there a car" })
            {
                var a = Ask(image, q);
                TestContext.Out.WriteLine($"{Path.GetFileName(file)}: {q} -> {a.Text} (confidence {a.Confidence:F3}, in-world {a.InWorld:F3})");
                Assert.That(a.InWorld, Is.Not.Null);
                if (a.OutOfWorld)
                {
                    Assert.That(a.Text, Is.EqualTo(QuestionAnswerer.CantTellText));
                    Assert.That(a.Reason, Does.Contain("does not look like the scenes the model knows"));
                }
                // the target: no answer about a flagged frame at confidence >= 0.5, and none about a real photo at all unless unsure
                Assert.That(a.OutOfWorld || a.Confidence < 0.5f, Is.True, $"{file}: a confident answer about a real photo");
            }
            flagged += Ask(image, "is there a car").OutOfWorld ? 1 : 0;
        }
        TestContext.Out.WriteLine($"{flagged} of {photos.Length} real frames flagged");
        Assert.That(flagged, Is.GreaterThanOrEqualTo((int)Math.Ceiling(0.95 * photos.Length)));
    }

    [TestCase(1, 1, "flat")]
    [TestCase(320, 240, "flat")]
    [TestCase(320, 240, "noise")]
    [TestCase(640, 480, "noise")]
    [TestCase(8000, 8000, "flat")]
    public void Ask_BlankNoiseTinyOrHugeFrame_FlaggedNeverConfident(int width, int height, string kind)
    {
        using var frame = new Mat(height, width, MatType.CV_8UC3, new Scalar(200, 120, 40));
        if (kind == "noise")
            Cv2.Randu(frame, Scalar.All(0), Scalar.All(256));
        var a = Ask(frame, "what color is the car");
        TestContext.Out.WriteLine($"{width}x{height} {kind}: {a.Text} (confidence {a.Confidence:F3}, in-world {a.InWorld:F4})");
        Assert.That(a.OutOfWorld, Is.True);
        Assert.That(a.Confidence, Is.LessThan(0.5f));
    }

    [Test]
    public void Encode_GeneratedScenes_AlmostNeverFlagged()
    {
        // the validation split (seed 3) set the threshold at its 0.5% tail; these are test-split scenes (seed 2):
        // 0.8% of 1,000 are flagged (rtmm eval), 2 of these 60 when written; 3 leaves room for one more near the threshold
        int flagged = 0;
        const int n = 60;
        for (int i = 0; i < n; i++)
        {
            var s = SceneGenerator.Render(2, 500 + i);
            using var e = answerer.Encode(new ImageView(s.Bgr, s.Width, s.Height, s.Width * 3));
            flagged += e.OutOfWorld ? 1 : 0;
        }
        TestContext.Out.WriteLine($"{flagged} of {n} generated scenes flagged");
        Assert.That(flagged, Is.LessThanOrEqualTo(3));
    }

    [Test]
    public void Phrase_BelowThreshold_SaysNotSureWithItsBestGuess()
    {
        var c = answerer.Bundle.Calibration!;
        Assert.That(answerer.Phrase("red", c.NotSureBelow - 0.01f), Is.EqualTo((QuestionAnswerer.NotSurePrefix + "red", true)));
        Assert.That(answerer.Phrase("red", c.NotSureBelow + 0.01f), Is.EqualTo(("red", false)));
    }

    [TestCase("{\"version\": 1, \"temperatures\": {}, \"not_sure_below\": 0.5}", "temperatures")]
    [TestCase("{\"version\": 1, \"temperatures\": {\"color\": -1}, \"not_sure_below\": 0.5}", "temperatures")]
    [TestCase("{\"version\": 1, \"temperatures\": {\"color\": 1}, \"not_sure_below\": 2}", "not_sure_below")]
    [TestCase("{\"version\": 9, \"temperatures\": {\"color\": 1}, \"not_sure_below\": 0.5}", "version")]
    [TestCase("{\"version\": 1, \"temperatures\": {\"color\": 1}, \"not_sure_below\": 0.5, \"in_world\": {\"feature_mean\": [1]}}", "in_world.feature_mean")]
    [TestCase("not json", "calibration")]
    public void Load_BadCalibration_NamesFileAndField(string json, string field)
    {
        string path = Path.Combine(Temp, "calibration.json");
        File.WriteAllText(path, json);
        var e = Assert.Throws<ModelBundleException>(() => Calibration.Load(path, 384))!;
        TestContext.Out.WriteLine(e.Message);
        Assert.That(e.Message, Does.Contain(path).And.Contain(field));
    }
}
