using System.Text.Json;
using OpenCvSharp;
using RealtimeMM.Features;
using RealtimeMM.Session;

namespace RealtimeMM.Tests.RealWorld;

/// <summary>The hand-checked frames of vtest.avi in tests/data/real-footage (README there).</summary>
internal static class Footage
{
    /// <summary>
    /// Asks <paramref name="question"/> about <paramref name="frame"/>: asked first, then the frame submitted (a
    /// question is answered about the next frame the worker processes; asked after submitting, it can miss the frame).
    /// </summary>
    public static async Task<RealtimeMM.Answering.Answer> AskAbout(this RealtimeSession session, Mat frame, string question)
    {
        var pending = session.AskAsync(question);
        session.SubmitFrame(frame);
        return await pending.WaitAsync(TimeSpan.FromSeconds(30));
    }

    public static string Folder => Path.Combine(Tools.RepositoryRoot(), "tests", "data", "real-footage");

    public sealed record AnnotatedFrame(int Index, string File, BoxF[] People, BoxF[] PartialPeople, BoxF Van)
    {
        public IEnumerable<BoxF> AnyPeople => People.Concat(PartialPeople);
    }

    public sealed record Example(string Name, string File, BoxF[] Boxes);

    static readonly Lazy<(Example[] Teach, AnnotatedFrame[] Frames, string VanColor)> doc = new(() =>
    {
        var root = JsonDocument.Parse(System.IO.File.ReadAllText(Path.Combine(Folder, "vtest.json"))).RootElement;
        static BoxF Box(JsonElement b) => new(b[0].GetSingle(), b[1].GetSingle(), b[2].GetSingle(), b[3].GetSingle());
        var teach = root.GetProperty("teach").EnumerateArray()
            .Select(t => new Example(t.GetProperty("name").GetString()!, t.GetProperty("file").GetString()!, t.GetProperty("boxes").EnumerateArray().Select(Box).ToArray()))
            .ToArray();
        var frames = root.GetProperty("frames").EnumerateArray().Select(f => new AnnotatedFrame(f.GetProperty("frame").GetInt32(), f.GetProperty("file").GetString()!,
            f.GetProperty("people").EnumerateArray().Select(Box).ToArray(), f.GetProperty("partial_people").EnumerateArray().Select(Box).ToArray(),
            Box(f.GetProperty("van")))).ToArray();
        return (teach, frames, root.GetProperty("van_color").GetString()!);
    });

    /// <summary>A frame of vtest-counts.json: people counted by eye, no boxes.</summary>
    public sealed record CountedFrame(int Index, string File, int People, int PartialPeople);

    /// <summary>The frames held out to judge counting (vtest-counts.json).</summary>
    public static CountedFrame[] Counted => counted.Value;

    static readonly Lazy<CountedFrame[]> counted = new(() =>
        JsonDocument.Parse(System.IO.File.ReadAllText(Path.Combine(Folder, "vtest-counts.json"))).RootElement.GetProperty("frames").EnumerateArray()
            .Select(f => new CountedFrame(f.GetProperty("frame").GetInt32(), f.GetProperty("file").GetString()!, f.GetProperty("people").GetInt32(), f.GetProperty("partial_people").GetInt32()))
            .ToArray());

    public static Example[] Teach => doc.Value.Teach;
    public static AnnotatedFrame[] Frames => doc.Value.Frames;
    public static string VanColor => doc.Value.VanColor;

    public static Mat Read(string file)
    {
        var m = Cv2.ImRead(Path.Combine(Folder, file));
        Assert.That(m.Empty(), Is.False, file);
        return m;
    }
}
