using RealtimeMM.Gpu;
using RealtimeMM.Frames;
using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;
using RealtimeMM.Scenes;
using RealtimeMM.Tests.Gpu;

namespace RealtimeMM.Tests.Models;

/// <summary>
/// A Vulkan device lost mid-stream (injected: lavapipe cannot be made to lose its device): the
/// answerer falls back to the CPU paths once, says so once, and the same questions get the same answers.
/// </summary>
[Category("Vulkan")]
public class DeviceLostTests : VulkanFixture
{
    static ImageView View(SceneFrame s) => new(s.Bgr, s.Width, s.Height, s.Width * 3);

    [TestCase(true)]  // lost while preprocessing a frame
    [TestCase(false)] // lost while fusing questions about a frame already encoded on the GPU
    public void DeviceLost_FallsBackToCpuOnce_AnswersStaySame(bool duringEncode)
    {
        var warnings = new List<string>();
        using var device = LoseableDevice(); // a lost device stays lost: not the fixture's
        var lost = new List<string>();
        device.DeviceLost += (_, e) => lost.Add(e.Reason);
        using var answerer = new QuestionAnswerer(ModelBundle.Load(ModelBundle.DefaultFolder), device, warn: warnings.Add);
        var scenes = Enumerable.Range(0, 4).Select(i => SceneGenerator.Render(31, i)).ToArray();
        var questions = new[] { "how many cars are there", "is there a dog", "what color is the house", "where is the ball" };
        var before = scenes.Select(s => answerer.AskMany(answerer.Encode(View(s)), questions).Select(a => a.Text).ToArray()).ToArray();
        Assert.That(answerer.Device, Does.StartWith("vulkan"));

        var after = new List<string[]>();
        for (int i = 0; i < scenes.Length; i++)
        {
            FrameEncoding encoded;
            if (i == 1 && duringEncode)
                device.InjectDeviceLost();
            encoded = answerer.Encode(View(scenes[i]));
            if (i == 1 && !duringEncode)
                device.InjectDeviceLost();
            after.Add(answerer.AskMany(encoded, questions).Select(a => a.Text).ToArray());
        }
        Assert.That(after, Is.EqualTo(before));
        Assert.That(answerer.Device, Is.EqualTo("cpu"));
        Assert.That(warnings, Has.Count.EqualTo(1));
        Assert.That(warnings[0], Does.Contain("ErrorDeviceLost").And.Contain("CPU"));
        Assert.That(answerer.FellBack, Is.EqualTo(warnings[0]));
        Assert.That(lost, Has.Count.EqualTo(1), "the device raised DeviceLost once");
        Assert.That(device.LostReason, Does.Contain("ErrorDeviceLost"));
        TestContext.Out.WriteLine(warnings[0]);
    }

    [Test]
    public void DeviceLost_UnderAnotherComponent_TheAnswererHearsTheEventAndMovesToTheCpu()
    {
        var warnings = new List<string>();
        using var device = LoseableDevice();
        using var answerer = new QuestionAnswerer(ModelBundle.Load(ModelBundle.DefaultFolder), device, warn: warnings.Add);
        var scene = SceneGenerator.Render(31, 0);
        var before = answerer.AskMany(answerer.Encode(View(scene)), ["how many cars are there", "where is the ball"]).Select(a => a.Text).ToArray();
        // another component on the same device (a preprocessor of its own) meets the loss
        using (var other = new RealtimeMM.Preprocess.VulkanPreprocessor(device, answerer.Bundle.Preprocess))
        {
            device.InjectDeviceLost();
            Assert.Throws<VulkanException>(() => other.Run(View(scene), new float[answerer.Bundle.Preprocess.OutputLength]));
        }
        Assert.That(answerer.FellBack, Is.Null, "nothing of the answerer's failed yet");
        var after = answerer.AskMany(answerer.Encode(View(scene)), ["how many cars are there", "where is the ball"]).Select(a => a.Text).ToArray();
        Assert.That(answerer.Device, Is.EqualTo("cpu"));
        Assert.That(answerer.FellBack, Does.Contain("ErrorDeviceLost"));
        Assert.That(warnings, Has.Count.EqualTo(1));
        Assert.That(after, Is.EqualTo(before));
    }

    static VulkanDevice LoseableDevice() => VulkanDevice.Create(new VulkanOptions { Validation = true });
}
