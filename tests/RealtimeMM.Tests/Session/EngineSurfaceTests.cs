using System.Reflection;
using System.Text.RegularExpressions;
using RealtimeMM.Session;

namespace RealtimeMM.Tests.Session;

/// <summary>The SDK's shape as a newcomer and an engine meet it (issue 23): small rooms, one public type per file, no OpenCV in the session's surface.</summary>
public class EngineSurfaceTests : TestBase
{
    [Test]
    public void RealtimeSession_PublicSurface_HasNoOpenCvSharpType()
    {
        var types = typeof(RealtimeSession).GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .SelectMany(m => m switch
            {
                MethodInfo mi => mi.GetParameters().Select(p => p.ParameterType).Append(mi.ReturnType),
                PropertyInfo pi => [pi.PropertyType],
                EventInfo ei => [ei.EventHandlerType!],
                ConstructorInfo ci => ci.GetParameters().Select(p => p.ParameterType),
                _ => [],
            }).Distinct().ToArray();
        Assert.That(types.Select(t => t.FullName ?? t.Name), Has.None.StartsWith("OpenCvSharp"));
        Assert.That(typeof(OpenCvSessionExtensions).GetMethod("SubmitFrame"), Is.Not.Null, "the OpenCV adapter beside it");
    }

    [Test]
    public void SdkSources_NoFileOver350Lines_OnePublicTypePerFile()
    {
        string src = Path.Combine(Tools.RepositoryRoot(), "src", "RealtimeMM");
        var decl = new Regex(@"^public\s+(?:(?:sealed|static|abstract|readonly|unsafe|partial)\s+)*(?:class|record|struct|interface|enum|delegate)\b", RegexOptions.Multiline);
        var files = Directory.GetFiles(src, "*.cs", SearchOption.AllDirectories).Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")).ToArray();
        Assert.That(files, Has.Length.GreaterThan(50));
        var tooLong = files.Where(f => File.ReadLines(f).Count() > 350).Select(f => Path.GetRelativePath(src, f)).ToArray();
        var crowded = files.Where(f => decl.Matches(File.ReadAllText(f)).Count > 1).Select(f => Path.GetRelativePath(src, f)).ToArray();
        Assert.That(tooLong, Is.Empty, "files over 350 lines");
        Assert.That(crowded, Is.Empty, "files with more than one public type");
    }

    [Test]
    public void Capture_DoesNotImportReplay_TheCircleIsBroken()
    {
        string src = Path.Combine(Tools.RepositoryRoot(), "src", "RealtimeMM");
        var capture = Directory.GetFiles(Path.Combine(src, "Capture"), "*.cs", SearchOption.AllDirectories);
        Assert.That(capture.Where(f => File.ReadAllText(f).Contains("RealtimeMM.Replay")).Select(Path.GetFileName), Is.Empty,
            "Replay builds on Capture; Capture must not import Replay (RealtimeMM.Sources.FrameSource opens both)");
        var replay = Directory.GetFiles(Path.Combine(src, "Replay"), "*.cs");
        Assert.That(replay.Any(f => File.ReadAllText(f).Contains("using RealtimeMM.Capture")), Is.True, "the direction that stays");
    }
}
