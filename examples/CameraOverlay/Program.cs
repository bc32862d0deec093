// A camera overlay app: frames from a camera (or any source) go to a RealtimeSession; the window
// shows the newest processed frame with the heatmap of a standing question and its answer.
//   dotnet run --project examples/CameraOverlay -- [SOURCE] ["question"] [--frames N]
// SOURCE: camera index (default 0), /dev/videoN, video file, stream URL, image folder or replay clip.
using OpenCvSharp;
using RealtimeMM.Sources;
using RealtimeMM.Capture;
using RealtimeMM.Frames;
using RealtimeMM.Session;

string source = args.Length > 0 && !args[0].StartsWith("--") ? args[0] : "0";
string question = args.Length > 1 && !args[1].StartsWith("--") ? args[1] : "how many people are there";
int limit = args.SkipWhile(a => a != "--frames").Skip(1).Select(int.Parse).FirstOrDefault(int.MaxValue);

await using var session = RealtimeSession.Create();
session.AddStandingQuestion(question);
string shown = "";
session.Answered += (_, a) => shown = $"{a.Query}? {a.Text} ({a.Confidence:P0})";

using var slot = new FrameSlot();
using var pump = RealtimeMM.Sources.FrameSource.Pump(source, slot, new FrameSourceOptions { Pacing = Pacing.RealTime }, onEvent: e => Console.Error.WriteLine(e));
int frames = 0;
byte[] view = [];
while (frames < limit && await slot.TakeAsync() is { } frame)
{
    using (frame)
        session.SubmitFrame(frame.Pixels, frame.Width, frame.Height, frame.Stride); // copies; returns at once
    frames++;
    if (view.Length != frame.Width * frame.Height * 3)
        view = new byte[frame.Width * frame.Height * 3];
    if (!session.RenderOverlay(view, frame.Width * 3, out int w, out int h))
        continue; // nothing processed yet
    using var mat = Mat.FromPixelData(h, w, MatType.CV_8UC3, view);
    Cv2.PutText(mat, shown, new Point(8, h - 10), HersheyFonts.HersheySimplex, 0.6, Scalar.White, 2);
    Cv2.ImShow("RealtimeMM camera overlay", mat);
    if (Cv2.WaitKey(1) == 27)
        break;
}
var s = session.Stats;
Console.WriteLine($"{frames} frames from {source}: {s.FramesProcessed} processed, {s.FramesDropped} replaced by newer ones; last: {shown}");
