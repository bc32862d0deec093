// Writes docs/api.md: every public type of the RealtimeMM library with its members and their XML
// doc summaries, by namespace. A test regenerates it and fails when the committed page is stale.
//   dotnet run --project tools/ApiDocs -c Release -- docs/api.md
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;

var assembly = typeof(RealtimeMM.Session.RealtimeSession).Assembly;
var xmlPath = Path.ChangeExtension(assembly.Location, ".xml");
var docs = XDocument.Load(xmlPath).Descendants("member")
    .GroupBy(m => Key(m.Attribute("name")!.Value))
    .ToDictionary(g => g.Key, g => Summary(g.First()));

var sb = new StringBuilder("# RealtimeMM API reference\n\nGenerated from the library's XML documentation by `tools/ApiDocs` ");
sb.Append("(`dotnet run --project tools/ApiDocs -c Release -- docs/api.md`); do not edit by hand.\n");
foreach (var ns in assembly.GetExportedTypes().Where(t => !t.IsNested || t.DeclaringType!.IsPublic).GroupBy(t => t.Namespace).OrderBy(g => g.Key))
{
    sb.Append($"\n## {ns.Key}\n");
    foreach (var type in ns.OrderBy(t => t.FullName, StringComparer.Ordinal))
    {
        string kind = type.IsEnum ? "enum" : type.IsInterface ? "interface" : type.IsValueType ? "struct" : typeof(Delegate).IsAssignableFrom(type) ? "delegate" : "class";
        sb.Append($"\n### {Name(type)} ({kind})\n\n{docs.GetValueOrDefault("T:" + Clean(type.FullName!), "")}\n");
        if (type.IsEnum)
        {
            foreach (var value in Enum.GetNames(type))
                sb.Append($"- `{value}`{Doc("F", type, value)}\n");
            continue;
        }
        const BindingFlags Declared = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var members = type.GetMembers(Declared)
            .Where(m => m is not MethodInfo { IsSpecialName: true } && m is not Type && !m.Name.StartsWith('<') && !IsRecordPlumbing(m))
            .GroupBy(m => (m.MemberType, m.Name)).OrderBy(g => g.Key.MemberType).ThenBy(g => g.Key.Name, StringComparer.Ordinal);
        foreach (var g in members)
        {
            var m = g.First();
            string prefix = m.MemberType switch { MemberTypes.Method => "M", MemberTypes.Constructor => "M", MemberTypes.Property => "P", MemberTypes.Field => "F", MemberTypes.Event => "E", _ => "" };
            string name = m is ConstructorInfo ? "#ctor" : m.Name;
            string shown = m switch
            {
                ConstructorInfo => $"new {Name(type)}(…)" + (g.Count() > 1 ? $" ({g.Count()} overloads)" : ""),
                MethodInfo mi => $"{mi.Name}({string.Join(", ", mi.GetParameters().Select(p => p.Name))})" + (g.Count() > 1 ? $" (+{g.Count() - 1} overloads)" : ""),
                _ => m.Name,
            };
            sb.Append($"- `{shown}`{Doc(prefix, type, name)}\n");
        }
    }
}
File.WriteAllText(args.Length > 0 ? args[0] : "docs/api.md", sb.ToString());
return 0;

string Doc(string prefix, Type type, string member) =>
    docs.TryGetValue($"{prefix}:{Clean(type.FullName!)}.{member}", out var d) && d.Length > 0 ? " — " + d : "";

static bool IsRecordPlumbing(MemberInfo m) => m.Name is "EqualityContract" or "<Clone>$" or "Deconstruct" or "PrintMembers" or "GetHashCode" or "Equals" or "ToString";

static string Key(string xmlName)
{
    int paren = xmlName.IndexOf('(');
    return paren < 0 ? xmlName : xmlName[..paren]; // overloads share one entry: the first summary
}

static string Clean(string fullName) => Regex.Replace(fullName.Replace('+', '.'), @"`\d+", "");

static string Name(Type t) => t.IsGenericType ? Regex.Replace(t.Name, @"`\d+", "") + "<" + string.Join(", ", t.GetGenericArguments().Select(a => a.Name)) + ">" : (t.IsNested ? Name(t.DeclaringType!) + "." : "") + t.Name;

static string Summary(XElement member)
{
    var s = member.Element("summary");
    if (s is null)
        return "";
    var text = string.Concat(s.Nodes().Select(n => n switch
    {
        XText t => t.Value,
        XElement { Name.LocalName: "see" or "paramref" or "typeparamref" } e => "`" + Last(e.Attribute("cref")?.Value ?? e.Attribute("name")?.Value ?? e.Attribute("langword")?.Value ?? "") + "`",
        XElement e => e.Value,
        _ => "",
    }));
    return Regex.Replace(text, @"\s+", " ").Trim();
}

static string Last(string cref)
{
    var noArgs = cref.Split('(')[0];
    return noArgs.Contains(':') ? noArgs[(noArgs.IndexOf(':') + 1)..].Split('.').Last() : noArgs;
}
