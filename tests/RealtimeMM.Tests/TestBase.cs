using RealtimeMM.Frames;

namespace RealtimeMM.Tests;

/// <summary>
/// Every test gets a fresh temporary folder and fails if it leaves pooled frames undisposed.
/// </summary>
public abstract class TestBase
{
    long liveFramesAtStart;

    /// <summary>A folder only this test uses; deleted afterwards.</summary>
    protected string Temp { get; private set; } = "";

    [SetUp]
    public void CreateTempAndCountFrames()
    {
        Temp = Path.Combine(Path.GetTempPath(), "rtmm-tests", $"{TestContext.CurrentContext.Test.MethodName}-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(Temp);
        liveFramesAtStart = Frame.LiveCount;
    }

    [TearDown]
    public void CheckFramesAndDeleteTemp()
    {
        try
        {
            if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Passed)
                Assert.That(Frame.LiveCount, Is.EqualTo(liveFramesAtStart), "the test left frames undisposed");
        }
        finally
        {
            if (Directory.Exists(Temp))
                Directory.Delete(Temp, recursive: true);
        }
    }

    /// <summary>Files and folders under <paramref name="folder"/>, relative, sorted.</summary>
    protected static string[] Listing(string folder) =>
        Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(folder, p)).Order(StringComparer.Ordinal).ToArray();
}
