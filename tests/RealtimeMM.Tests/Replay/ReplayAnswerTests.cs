using RealtimeMM.Sources;
using RealtimeMM.Capture;
using RealtimeMM.Gpu;
using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;
using RealtimeMM.Replay;
using RealtimeMM.Scenes;

namespace RealtimeMM.Tests.Replay;

/// <summary>
/// Whole clips through the whole path: recorded clip → capture → preprocessing → encoders → fusion →
/// answers, checked against the clip's ground truth (answers and where the model looked).
/// </summary>
public class ReplayAnswerTests : TestBase
{
    [Test]
    public void ReplayClip_AnswersAndAttentionPeaks_MatchGroundTruth()
    {
        // a held-out-seed clip at the demo's size, recorded and replayed
        var scenes = SceneGenerator.RenderClip(77, 20, 30, new SceneOptions { Width = 320, Height = 240 }).ToArray();
        string clip;
        using (var writer = ClipWriter.Create(Path.Combine(Temp, "clip")))
        {
            for (int i = 0; i < scenes.Length; i++)
            {
                var t = TimeSpan.FromSeconds(i / 30.0);
                using var f = scenes[i].ToFrame(i, t);
                writer.Append(f, scenes[i].ToTruth(i, t));
            }
            clip = writer.Complete();
        }
        using var answerer = QuestionAnswerer.Open(device: DevicePreference.Cpu);
        using var source = (ReplayClipSource)FrameSource.Open(clip);
        int right = 0, asked = 0, pointed = 0, pointable = 0;
        while (source.Read() is { } frame)
        {
            using (frame)
            {
                var truth = source.Truth(frame.Index);
                var encoded = answerer.Encode(frame);
                foreach (var q in truth.Questions!)
                {
                    var a = answerer.Ask(encoded, q.Question);
                    asked++;
                    if (a.ModelAnswer == AnswerVocabulary.Label(q.Answer))
                        right++;
                    if (q.ObjectIds is [int id])
                    {
                        pointable++;
                        if (truth.Objects!.First(o => o.Id == id).Box.Contains(a.Attention!.PeakX, a.Attention.PeakY))
                            pointed++;
                    }
                }
            }
        }
        double accuracy = 100.0 * right / asked, pointing = 100.0 * pointed / pointable;
        TestContext.Out.WriteLine($"{asked} questions over {scenes.Length} replayed frames: {accuracy:F1}% right; attention peak inside the object {pointing:F1}% of {pointable}");
        // 99.0% right and 99.2% pointing with the 192-pixel model (session 13): the gates sit just under,
        // so a preprocessing or weight regression that costs a few answers fails here
        Assert.That(accuracy, Is.GreaterThanOrEqualTo(97));
        Assert.That(pointing, Is.GreaterThanOrEqualTo(97));
    }
}
