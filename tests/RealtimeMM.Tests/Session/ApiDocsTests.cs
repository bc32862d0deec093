namespace RealtimeMM.Tests.Session;

public class ApiDocsTests : TestBase
{
    [Test]
    public void ApiReference_IsCurrent()
    {
        string root = Tools.RepositoryRoot();
        string fresh = Path.Combine(Temp, "api.md");
        Tools.Run(Path.Combine(AppContext.BaseDirectory, "ApiDocs"), $"\"{fresh}\"");
        string committed = File.ReadAllText(Path.Combine(root, "docs", "api.md"));
        Assert.That(File.ReadAllText(fresh), Does.Contain("### RealtimeSession (class)").And.Contain("AskAsync"));
        Assert.That(File.ReadAllText(fresh), Is.EqualTo(committed),
            "docs/api.md is stale: run `dotnet run --project tools/ApiDocs -c Release -- docs/api.md` and commit it");
    }
}
