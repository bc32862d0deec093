using System.Text.Json.Nodes;
using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;

namespace RealtimeMM.Tests.Models;

/// <summary>A copy of the shipped bundle in a test's folder, its manifest edited when asked.</summary>
static class BundleCopy
{
    public static string Make(string parent, Action<JsonObject>? editManifest = null)
    {
        var dir = Path.Combine(parent, "bundle");
        Directory.CreateDirectory(dir);
        foreach (var f in Directory.GetFiles(ModelBundle.DefaultFolder))
            File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        if (editManifest is not null)
            EditManifest(dir, editManifest);
        return dir;
    }

    public static void EditManifest(string dir, Action<JsonObject> edit)
    {
        var path = Path.Combine(dir, "manifest.json");
        var j = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(j);
        File.WriteAllText(path, j.ToJsonString());
    }
}
