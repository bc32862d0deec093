// The smallest RealtimeMM program: one image, one question.
// dotnet run --project examples/MinimalAsk -- IMAGE "what color is the car"
using RealtimeMM.Sources;
using RealtimeMM.Capture;
using RealtimeMM.Session;

await using var session = RealtimeSession.Create();
using var frame = FrameSource.LoadImage(args[0]);
// a question is answered about the next frame processed: ask, then submit the image
var pending = session.AskAsync(args.Length > 1 ? args[1] : "what is in the picture");
session.SubmitFrame(frame.Pixels, frame.Width, frame.Height, frame.Stride);
var answer = await pending;
Console.WriteLine($"{answer.Query}? {answer.Text} ({answer.Confidence:P0})");
