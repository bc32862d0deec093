// Feeds frames from any source through a latest-frame-wins slot, the way an engine would:
// capture runs on its own thread and reconnects; the consumer takes the newest frame when ready.
//   dotnet run --project examples/FrameSources -- [SOURCE]
// SOURCE: camera index, /dev/videoN, video file, rtsp/http URL, image folder or replay clip.
// Without one, a generated scene clip is written to a temporary folder and played.
using RealtimeMM.Sources;
using RealtimeMM.Capture;
using RealtimeMM.Frames;
using RealtimeMM.Replay;
using RealtimeMM.Scenes;

string source = args.Length > 0 ? args[0] : WriteSampleClip();
using var slot = new FrameSlot();
using var pump = FrameSource.Pump(source, slot, new FrameSourceOptions { Pacing = Pacing.RealTime },
    onEvent: e => Console.Error.WriteLine(e));
using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
try
{
    while (await slot.TakeAsync(cancel.Token) is { } frame)
    {
        using (frame)
            Console.WriteLine($"{frame}  (dropped so far: {slot.Dropped})");
    }
}
catch (OperationCanceledException)
{
    Console.WriteLine("stopped after 10 s");
}
catch (FrameSourceException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}
return 0;

static string WriteSampleClip()
{
    var folder = Path.Combine(Path.GetTempPath(), $"rtmm-example-{Environment.ProcessId}");
    using var writer = ClipWriter.Create(folder, overwrite: true);
    int i = 0;
    foreach (var scene in SceneGenerator.RenderClip(seed: 1, frameCount: 60, fps: 30))
    {
        var t = TimeSpan.FromSeconds(i / 30.0);
        using var frame = scene.ToFrame(i, t);
        writer.Append(frame, scene.ToTruth(i++, t));
    }
    return writer.Complete();
}
