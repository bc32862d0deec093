using Microsoft.ML.OnnxRuntime;
using RealtimeMM.Fusion;
using RealtimeMM.Answering;

namespace RealtimeMM.Bundle;

/// <summary>
/// One ONNX encoder with batch size 1: the session is created once, its input and output tensors
/// are allocated once and bound to the session's names, so a run allocates nothing. The model's
/// inputs and outputs are checked against the shapes the manifest implies when it loads. The model
/// comes from <c>path</c>, or from <c>model</c>'s bytes (an edited graph; <c>path</c> then names it in errors).
/// </summary>
internal sealed class OrtEncoder<TIn> : IDisposable where TIn : unmanaged
{
    readonly InferenceSession session;
    readonly RunOptions runOptions = new();
    readonly OrtValue input;
    readonly OrtValue[] outputs;
    readonly string[] inputNames, outputNames;

    public OrtEncoder(string path, string inputName, long[] inputShape, (string Name, long[] Shape)[] outputSpecs, int threads, bool spinning = true, byte[]? model = null)
    {
        if (model is null && !File.Exists(path))
            throw new ModelBundleException(path, "file", "not found");
        var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, IntraOpNumThreads = threads, InterOpNumThreads = 1 };
        if (!spinning)
            options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        try
        {
            session = model is null ? new InferenceSession(path, options) : new InferenceSession(model, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelBundleException(path, "onnx", $"ONNX Runtime cannot load it ({e.Message.ReplaceLineEndings(" ")})", e);
        }
        finally
        {
            options.Dispose();
        }
        try
        {
            Check(path, "input", session.InputMetadata, inputName, inputShape);
            foreach (var (name, shape) in outputSpecs)
                Check(path, "output", session.OutputMetadata, name, shape);
            Input = new TIn[inputShape.Aggregate(1L, (a, b) => a * b)];
            input = OrtValue.CreateTensorValueFromMemory(Input, inputShape);
            Outputs = outputSpecs.Select(o => new float[o.Shape.Aggregate(1L, (a, b) => a * b)]).ToArray();
            outputs = outputSpecs.Select((o, i) => OrtValue.CreateTensorValueFromMemory(Outputs[i], o.Shape)).ToArray();
            inputNames = [inputName];
            outputNames = outputSpecs.Select(o => o.Name).ToArray();
            // Exported graphs often leave inner dimensions symbolic: one real run proves the shapes.
            try
            {
                // ...and a few more warm ONNX Runtime up (its arena and threads), so a stream's first frames do not pay for that
                for (int i = 0; i < 4; i++)
                    Run();
            }
            catch (OnnxRuntimeException e)
            {
                throw new ModelBundleException(path, $"outputs {string.Join(", ", outputSpecs.Select(o => $"'{o.Name}' [{string.Join(", ", o.Shape)}]"))}",
                    $"a trial run does not produce the shapes the manifest implies ({e.Message.ReplaceLineEndings(" ")})", e);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Fill before <see cref="Run"/>. Valid until Dispose.</summary>
    public TIn[] Input { get; }

    /// <summary>Written by <see cref="Run"/>, in the order of the output specs. Valid until Dispose.</summary>
    public float[][] Outputs { get; }

    public void Run() => session.Run(runOptions, inputNames, [input], outputNames, outputs);

    static void Check(string path, string what, IReadOnlyDictionary<string, NodeMetadata> meta, string name, long[] shape)
    {
        if (!meta.TryGetValue(name, out var node))
            throw new ModelBundleException(path, $"{what} '{name}'", $"missing; the model has {string.Join(", ", meta.Keys)}");
        var dims = node.Dimensions;
        bool ok = dims.Length == shape.Length && dims.Zip(shape).All(p => p.First < 0 || p.First == p.Second);
        if (!ok)
            throw new ModelBundleException(path, $"{what} '{name}'", $"shape [{string.Join(", ", dims)}], the manifest implies [{string.Join(", ", shape)}]");
        var expected = typeof(TIn) == typeof(long) && what == "input" ? typeof(long) : typeof(float);
        if (node.ElementType != expected)
            throw new ModelBundleException(path, $"{what} '{name}'", $"element type {node.ElementType.Name}, expected {expected.Name}");
    }

    public void Dispose()
    {
        input?.Dispose();
        if (outputs is not null)
            foreach (var o in outputs)
                o?.Dispose();
        runOptions.Dispose();
        session?.Dispose();
    }
}
