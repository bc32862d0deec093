using System.Buffers.Binary;
using System.Text;

namespace RealtimeMM.Features;

/// <summary>
/// Edits an ONNX model at the protobuf wire level, without generated classes: cuts the graph at one
/// tensor (the nodes it does not need and their weights are dropped), makes the image input's
/// height and width free, and can swap the colour channels the first convolution reads (so a
/// network trained on BGR takes RGB). Everything else is copied byte for byte.
/// </summary>
internal static partial class OnnxSurgery
{
    // Field numbers from onnx.proto (ModelProto, GraphProto, NodeProto, TensorProto, ValueInfoProto).
    const int ModelGraph = 7;
    const int GraphNode = 1, GraphInitializer = 5, GraphInput = 11, GraphOutput = 12, GraphValueInfo = 13;
    const int NodeInput = 1, NodeOutput = 2, NodeOpType = 4, NodeAttribute = 5;
    const int AttributeName = 1, AttributeInts = 8, AttributeType = 20, AttributeTypeInts = 7;
    const int TensorDims = 1, TensorDataType = 2, TensorFloatData = 4, TensorName = 8, TensorRawData = 9;
    const int ValueInfoName = 1;

    internal readonly record struct Field(int Number, int Wire, ReadOnlyMemory<byte> Bytes, ulong Value);

    internal sealed record Node(string OpType, string[] Inputs, string[] Outputs, Field Raw);

    /// <summary>The graph's nodes in order, with the names of their inputs and outputs.</summary>
    public static IReadOnlyList<Node> Nodes(byte[] model) =>
        Parse(GraphOf(model, out _)).Where(f => f.Number == GraphNode).Select(ParseNode).ToList();

    /// <summary>The graph's first input's name.</summary>
    public static string InputName(byte[] model) =>
        StringField(Parse(GraphOf(model, out _)).First(f => f.Number == GraphInput).Bytes, ValueInfoName);

    /// <summary>
    /// The model cut at <paramref name="output"/>: one output of shape [1, channels, h, w], the
    /// input [1, 3, height, width] with both sizes free, and, when <paramref name="swapInputChannels"/>,
    /// channels 0 and 2 of the first convolution's weights swapped.
    /// </summary>
    public static byte[] CutAt(byte[] model, string output, bool swapInputChannels)
    {
        var graph = Parse(GraphOf(model, out var modelFields));
        var nodes = graph.Where(f => f.Number == GraphNode).Select(ParseNode).ToList();
        var input = graph.First(f => f.Number == GraphInput);
        string inputName = StringField(input.Bytes, ValueInfoName);
        if (!nodes.Any(n => n.Outputs.Contains(output)))
            throw new ArgumentException($"no node of the graph produces '{output}'", nameof(output));

        // Walk back from the output: the nodes it needs, then the tensors those read.
        var needed = new HashSet<string> { output };
        var keep = new bool[nodes.Count];
        for (int i = nodes.Count - 1; i >= 0; i--)
            if (nodes[i].Outputs.Any(needed.Contains))
            {
                keep[i] = true;
                foreach (var name in nodes[i].Inputs)
                    needed.Add(name);
            }
        string? firstWeights = swapInputChannels
            ? nodes.FirstOrDefault(n => n.OpType == "Conv" && n.Inputs[0] == inputName)?.Inputs[1]
                ?? throw new ArgumentException($"no convolution reads the input '{inputName}' directly, so its channels cannot be swapped")
            : null;

        var writer = new ProtoWriter();
        int nodeIndex = 0;
        foreach (var f in graph)
        {
            switch (f.Number)
            {
                case GraphNode:
                    if (keep[nodeIndex++])
                        writer.Write(f);
                    break;
                case GraphInitializer:
                    string name = StringField(f.Bytes, TensorName);
                    if (!needed.Contains(name))
                        break;
                    writer.WriteBytes(GraphInitializer, name == firstWeights ? SwapChannels(f.Bytes, name).AsSpan() : f.Bytes.Span);
                    break;
                case GraphInput:
                    if (StringField(f.Bytes, ValueInfoName) == inputName)
                        writer.WriteBytes(GraphInput, ImageValueInfo(inputName, "3", "height", "width"));
                    else if (needed.Contains(StringField(f.Bytes, ValueInfoName)))
                        writer.Write(f);
                    break;
                case GraphOutput:
                case GraphValueInfo: // shapes inferred for the old size would pin the new one
                    break;
                default:
                    writer.Write(f);
                    break;
            }
        }
        writer.WriteBytes(GraphOutput, ImageValueInfo(output, "channels", "rows", "columns"));
        return WithGraph(modelFields, writer.ToArray());
    }

    /// <summary>The model's fields with its graph replaced.</summary>
    static byte[] WithGraph(List<Field> modelFields, byte[] graph)
    {
        var result = new ProtoWriter();
        foreach (var f in modelFields)
            if (f.Number == ModelGraph)
                result.WriteBytes(ModelGraph, graph);
            else
                result.Write(f);
        return result.ToArray();
    }

    /// <summary>The names of the graph's initializers (its weights).</summary>
    public static HashSet<string> InitializerNames(byte[] model) =>
        Parse(GraphOf(model, out _)).Where(f => f.Number == GraphInitializer).Select(f => StringField(f.Bytes, TensorName)).ToHashSet();

    /// <summary>A float tensor initializer's values and shape.</summary>
    public static (float[] Values, long[] Dims) Initializer(byte[] model, string name)
    {
        foreach (var f in Parse(GraphOf(model, out _)))
            if (f.Number == GraphInitializer && StringField(f.Bytes, TensorName) == name)
            {
                var t = Parse(f.Bytes);
                var dims = Ints(t, TensorDims);
                var raw = t.FirstOrDefault(x => x.Number == TensorRawData);
                var data = raw.Number == TensorRawData ? raw.Bytes.Span : t.First(x => x.Number == TensorFloatData).Bytes.Span;
                var values = new float[data.Length / 4];
                for (int i = 0; i < values.Length; i++)
                    values[i] = BinaryPrimitives.ReadSingleLittleEndian(data[(4 * i)..]);
                return (values, dims);
            }
        throw new ArgumentException($"the graph has no initializer '{name}'", nameof(name));
    }

    static ReadOnlyMemory<byte> GraphOf(byte[] model, out List<Field> modelFields)
    {
        modelFields = Parse(model);
        foreach (var f in modelFields)
            if (f.Number == ModelGraph && f.Wire == 2)
                return f.Bytes;
        throw new InvalidDataException("not an ONNX model: no graph");
    }

    static Node ParseNode(Field f)
    {
        var fields = Parse(f.Bytes);
        string[] Strings(int n) => fields.Where(x => x.Number == n).Select(x => Encoding.UTF8.GetString(x.Bytes.Span)).ToArray();
        return new Node(Strings(NodeOpType).FirstOrDefault() ?? "", Strings(NodeInput), Strings(NodeOutput), f);
    }

    /// <summary>The first convolution's weights [out, 3, kh, kw] with input channels 0 and 2 swapped (float only).</summary>
    static byte[] SwapChannels(ReadOnlyMemory<byte> tensor, string name)
    {
        var fields = Parse(tensor);
        var dims = Ints(fields, TensorDims);
        if (dims.Length != 4 || dims[1] != 3)
            throw new ArgumentException($"weights '{name}' have shape [{string.Join(", ", dims)}], not [out, 3, kh, kw]");
        if (fields.First(x => x.Number == TensorDataType).Value != 1)
            throw new ArgumentException($"weights '{name}' are not float32");
        int plane = (int)(dims[2] * dims[3]) * 4;
        var writer = new ProtoWriter();
        foreach (var f in fields)
        {
            if (f.Number is TensorRawData or TensorFloatData)
            {
                var data = f.Bytes.ToArray();
                for (int o = 0; o < dims[0]; o++)
                {
                    var a = data.AsSpan(o * 3 * plane, plane);
                    var b = data.AsSpan(o * 3 * plane + 2 * plane, plane);
                    var tmp = a.ToArray();
                    b.CopyTo(a);
                    tmp.CopyTo(b);
                }
                writer.WriteBytes(f.Number, data);
            }
            else
                writer.Write(f);
        }
        return writer.ToArray();
    }

    /// <summary>A float tensor value info [1, dim1, dim2, dim3], each a named free size or a number.</summary>
    static byte[] ImageValueInfo(string name, params string[] dims)
    {
        var shape = new ProtoWriter();
        foreach (var d in dims.Prepend("1"))
        {
            var dim = new ProtoWriter();
            if (long.TryParse(d, out long v))
                dim.WriteVarint(1, (ulong)v);
            else
                dim.WriteBytes(2, Encoding.UTF8.GetBytes(d));
            shape.WriteBytes(1, dim.ToArray());
        }
        var tensor = new ProtoWriter();
        tensor.WriteVarint(1, 1); // float
        tensor.WriteBytes(2, shape.ToArray());
        var type = new ProtoWriter();
        type.WriteBytes(1, tensor.ToArray());
        var info = new ProtoWriter();
        info.WriteBytes(ValueInfoName, Encoding.UTF8.GetBytes(name));
        info.WriteBytes(2, type.ToArray());
        return info.ToArray();
    }

    static long[] Ints(List<Field> fields, int number)
    {
        var values = new List<long>();
        foreach (var f in fields.Where(x => x.Number == number))
        {
            if (f.Wire == 0)
                values.Add((long)f.Value);
            else // packed
            {
                var span = f.Bytes.Span;
                int at = 0;
                while (at < span.Length)
                    values.Add((long)ReadVarint(span, ref at));
            }
        }
        return values.ToArray();
    }

    static string StringField(ReadOnlyMemory<byte> message, int number)
    {
        foreach (var f in Parse(message))
            if (f.Number == number && f.Wire == 2)
                return Encoding.UTF8.GetString(f.Bytes.Span);
        return "";
    }

    static List<Field> Parse(ReadOnlyMemory<byte> message)
    {
        var fields = new List<Field>();
        var span = message.Span;
        int at = 0;
        while (at < span.Length)
        {
            ulong tag = ReadVarint(span, ref at);
            int number = (int)(tag >> 3), wire = (int)(tag & 7);
            switch (wire)
            {
                case 0:
                    fields.Add(new Field(number, 0, default, ReadVarint(span, ref at)));
                    break;
                case 1:
                    fields.Add(new Field(number, 1, message.Slice(at, 8), 0));
                    at += 8;
                    break;
                case 2:
                    int length = checked((int)ReadVarint(span, ref at));
                    if (length < 0 || at + length > span.Length)
                        throw new InvalidDataException($"field {number} runs past the end of its message");
                    fields.Add(new Field(number, 2, message.Slice(at, length), 0));
                    at += length;
                    break;
                case 5:
                    fields.Add(new Field(number, 5, message.Slice(at, 4), 0));
                    at += 4;
                    break;
                default:
                    throw new InvalidDataException($"field {number} has wire type {wire}, which ONNX does not use");
            }
        }
        return fields;
    }

    static ulong ReadVarint(ReadOnlySpan<byte> span, ref int at)
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (at >= span.Length)
                throw new InvalidDataException("a number runs past the end of its message");
            byte b = span[at++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
                return value;
        }
        throw new InvalidDataException("a number longer than 10 bytes");
    }

    sealed class ProtoWriter
    {
        readonly MemoryStream stream = new();

        public void Write(Field f)
        {
            switch (f.Wire)
            {
                case 0: WriteVarint(f.Number, f.Value); break;
                case 2: WriteBytes(f.Number, f.Bytes.Span); break;
                default:
                    Varint(((ulong)f.Number << 3) | (uint)f.Wire);
                    stream.Write(f.Bytes.Span);
                    break;
            }
        }

        public void WriteVarint(int number, ulong value)
        {
            Varint((ulong)number << 3);
            Varint(value);
        }

        public void WriteBytes(int number, ReadOnlySpan<byte> bytes)
        {
            Varint(((ulong)number << 3) | 2);
            Varint((ulong)bytes.Length);
            stream.Write(bytes);
        }

        void Varint(ulong v)
        {
            while (v >= 0x80)
            {
                stream.WriteByte((byte)(v | 0x80));
                v >>= 7;
            }
            stream.WriteByte((byte)v);
        }

        public byte[] ToArray() => stream.ToArray();
    }
}
