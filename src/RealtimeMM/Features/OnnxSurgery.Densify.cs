using System.Text;

namespace RealtimeMM.Features;

/// <summary>Densifying a graph: a stage computed at twice its cell density by dilated convolutions.</summary>
internal static partial class OnnxSurgery
{
    /// <summary>
    /// The model computing every tensor after <paramref name="from"/> at twice the density across
    /// (and down, when <paramref name="rowsToo"/>): each strided convolution downstream of it runs
    /// at stride 1 on those axes and the convolutions after it are dilated to match (DeepLab's
    /// "atrous" rule), so the output has twice the columns (and rows) and its even ones equal the
    /// original's exactly. Nothing else changes.
    /// </summary>
    public static byte[] Densify(byte[] model, string from, bool rowsToo)
    {
        var graph = Parse(GraphOf(model, out var modelFields));
        var nodes = graph.Where(f => f.Number == GraphNode).Select(ParseNode).ToList();
        if (!nodes.Any(n => n.Outputs.Contains(from)))
            throw new ArgumentException($"no node of the graph produces '{from}'", nameof(from));
        // how much denser than the original each tensor downstream of 'from' is, down and across
        var density = new Dictionary<string, (long Down, long Across)> { [from] = (1, 1) };
        var rewritten = new Dictionary<int, byte[]>();
        for (int i = 0; i < nodes.Count; i++)
        {
            var node = nodes[i];
            var reads = node.Inputs.Where(density.ContainsKey).ToList();
            if (reads.Count == 0)
                continue;
            var dense = (Down: reads.Max(x => density[x].Down), Across: reads.Max(x => density[x].Across));
            if (node.OpType == "Conv")
            {
                var attributes = Parse(node.Raw.Bytes).Where(f => f.Number == NodeAttribute).ToDictionary(f => StringField(f.Bytes, AttributeName), f => Ints(Parse(f.Bytes), AttributeInts));
                var kernel = attributes.GetValueOrDefault("kernel_shape") ?? [];
                var strides = attributes.GetValueOrDefault("strides") ?? [1, 1];
                var dilations = attributes.GetValueOrDefault("dilations") ?? [1, 1];
                var pads = attributes.GetValueOrDefault("pads") ?? [0, 0, 0, 0];
                if (kernel.Length != 2 || strides.Length != 2 || strides.Any(s => s is not (1 or 2)) || kernel.Any(k => k % 2 == 0) || dilations.Any(d => d != 1) || pads.Length != 4)
                    throw new ArgumentException($"convolution '{node.Outputs[0]}' (kernel [{string.Join(", ", kernel)}], strides [{string.Join(", ", strides)}]) cannot be densified");
                long[] d = [dense.Down, dense.Across];
                var newStrides = strides.ToArray();
                var newPads = pads.ToArray();
                for (int axis = 0; axis < 2; axis++)
                    if (axis == 1 || rowsToo)
                    {
                        newStrides[axis] = 1;
                        newPads[axis] = newPads[axis + 2] = (kernel[axis] - 1) / 2 * d[axis];
                    }
                rewritten[i] = WithAttributes(node.Raw.Bytes, new()
                {
                    ["strides"] = newStrides,
                    ["dilations"] = d,
                    ["pads"] = newPads,
                });
                dense = (dense.Down * (rowsToo ? strides[0] : 1), dense.Across * strides[1]);
            }
            else if (node.OpType is not ("BatchNormalization" or "Relu" or "Add" or "Mul" or "Sum" or "Identity"))
                throw new ArgumentException($"a {node.OpType} ('{node.Outputs[0]}') follows '{from}': it cannot be densified");
            foreach (var o in node.Outputs)
                density[o] = dense;
        }
        var writer = new ProtoWriter();
        int nodeIndex = 0;
        foreach (var f in graph)
        {
            if (f.Number == GraphNode && rewritten.TryGetValue(nodeIndex++, out var bytes))
                writer.WriteBytes(GraphNode, bytes);
            else
                writer.Write(f);
        }
        return WithGraph(modelFields, writer.ToArray());
    }

    /// <summary>A node with the named integer-list attributes replaced (or added).</summary>
    static byte[] WithAttributes(ReadOnlyMemory<byte> node, Dictionary<string, long[]> replace)
    {
        var writer = new ProtoWriter();
        foreach (var f in Parse(node))
            if (f.Number != NodeAttribute || !replace.ContainsKey(StringField(f.Bytes, AttributeName)))
                writer.Write(f);
        foreach (var (name, values) in replace)
        {
            var attribute = new ProtoWriter();
            attribute.WriteBytes(AttributeName, Encoding.UTF8.GetBytes(name));
            foreach (var v in values)
                attribute.WriteVarint(AttributeInts, (ulong)v);
            attribute.WriteVarint(AttributeType, AttributeTypeInts);
            writer.WriteBytes(NodeAttribute, attribute.ToArray());
        }
        return writer.ToArray();
    }
}
