using System.Text.Json;
using System.Text.Json.Serialization;

namespace RealtimeMM.Replay;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    MaxDepth = 16)]
[JsonSerializable(typeof(ClipSidecar))]
[JsonSerializable(typeof(FrameTruth[]))]
internal sealed partial class ReplayJson : JsonSerializerContext;
