using RealtimeMM.Tests.Cli;

namespace RealtimeMM.Tests.Session;

/// <summary>The SDK and model packages, packed from this build, installed into a fresh project from a local folder feed.</summary>
[Category("Package")]
public class PackageTests : TestBase
{
    [Test]
    public void PackedPackages_InstallIntoAFreshProject_AndTheMinimalExampleRuns()
    {
        string root = Tools.RepositoryRoot();
        // a version of its own, so NuGet's global cache cannot hand back a package packed earlier
        string version = $"0.1.0-test{DateTime.UtcNow:yyyyMMddHHmmss}{Environment.ProcessId}";
        string feed = Path.Combine(Temp, "feed"), app = Path.Combine(Temp, "app");
        Directory.CreateDirectory(app);
        try
        {
            foreach (var project in new[] { "src/RealtimeMM/RealtimeMM.csproj", "src/RealtimeMM.Models.Tiny/RealtimeMM.Models.Tiny.csproj" })
                Tools.Run("dotnet", $"pack \"{Path.Combine(root, project)}\" -c Release --no-build -p:Version={version} -o \"{feed}\"", 180_000);
            Assert.That(Directory.GetFiles(feed, "*.nupkg").Select(Path.GetFileName), Is.EquivalentTo(new[] { $"RealtimeMM.{version}.nupkg", $"RealtimeMM.Models.Tiny.{version}.nupkg" }));
            File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration><packageSources><add key="local" value="{feed}" /></packageSources></configuration>
                """);
            File.WriteAllText(Path.Combine(app, "app.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><ImplicitUsings>enable</ImplicitUsings><Nullable>enable</Nullable></PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="RealtimeMM" Version="{version}" />
                    <PackageReference Include="RealtimeMM.Models.Tiny" Version="{version}" />
                  </ItemGroup>
                </Project>
                """);
            File.Copy(Path.Combine(root, "examples/MinimalAsk/Program.cs"), Path.Combine(app, "Program.cs"));
            Tools.Run("dotnet", $"build \"{app}\" -c Release -nologo -v quiet -o \"{Path.Combine(app, "out")}\"", 300_000);
            Assert.That(File.Exists(Path.Combine(app, "out", "models", "rtmm-tiny", "manifest.json")), Is.True, "the model package puts the bundle next to the app");

            Assert.That(Rtmm.Run("scene", "--seed", "4", "--count", "1", "--out", Path.Combine(Temp, "s")).ExitCode, Is.Zero);
            var output = Tools.Run(Path.Combine(app, "out", "app"), $"\"{Path.Combine(Temp, "s", "frames", "000000.png")}\" \"how many cars are there\"");
            TestContext.Out.WriteLine($"packages {version}: {output}");
            Assert.That(output, Does.Match(@"^how many cars are there\? \d \(\d+ ?%\)"));
        }
        finally
        {
            // the global package cache keeps what the restore unpacked: drop this version again
            string cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            foreach (var id in new[] { "realtimemm", "realtimemm.models.tiny" })
                if (Directory.Exists(Path.Combine(cache, id, version)))
                    Directory.Delete(Path.Combine(cache, id, version), recursive: true);
        }
    }
}
