using RealtimeMM.Bundle;
using RealtimeMM.Answering;

namespace RealtimeMM.Fusion;

/// <summary>
/// The fusion's weights from the bundle's safetensors file, checked tensor by tensor against the
/// manifest's dimensions. Linear weights are row-major (out, in), as PyTorch stores them.
/// </summary>
public sealed class FusionWeights
{
    internal sealed record Linear(float[] W, float[] B, int In, int Out);
    internal sealed record Norm(float[] W, float[] B);
    internal sealed record Layer(Norm LnSelf, Linear Sq, Linear Sk, Linear Sv, Linear So, Norm LnCross, Linear Cq, Linear Ck, Linear Cv, Linear Co, Norm LnMlp, Linear Fc1, Linear Fc2);

    FusionWeights(int dim, int heads, int feedForward, int answers, Layer[] layers, Norm final, Linear head1, Linear head2)
    {
        Dim = dim;
        Heads = heads;
        FeedForward = feedForward;
        Answers = answers;
        Layers = layers;
        Final = final;
        Head1 = head1;
        Head2 = head2;
    }

    public int Dim { get; }
    public int Heads { get; }
    public int FeedForward { get; }
    public int Answers { get; }
    internal Layer[] Layers { get; }
    internal Norm Final { get; }
    internal Linear Head1 { get; }
    internal Linear Head2 { get; }

    /// <summary>Loads and checks every tensor. Throws <see cref="ModelBundleException"/> naming the file and tensor.</summary>
    public static FusionWeights Load(string path, BundleManifest m)
    {
        if (!File.Exists(path))
            throw new ModelBundleException(path, "fusion.weights", "file not found");
        var t = SafeTensors.Read(path);
        int d = m.ModelDim, ff = m.FeedForward, a = m.Answers.Length;
        var used = new HashSet<string>();
        if (t.TryGetValue("head2.bias", out var head) && head.Shape.Length == 1 && head.Shape[0] != a)
            throw new ModelBundleException(path, "tensor 'head2.bias'", $"{head.Shape[0]} logits, but the manifest's answers (world.answers) list {a}");

        float[] Tensor(string name, params int[] shape)
        {
            if (!t.TryGetValue(name, out var v))
                throw new ModelBundleException(path, $"tensor '{name}'", "missing");
            if (!v.Shape.SequenceEqual(shape))
                throw new ModelBundleException(path, $"tensor '{name}'", $"shape [{string.Join(", ", v.Shape)}], the manifest's dims need [{string.Join(", ", shape)}]");
            used.Add(name);
            return v.Data;
        }
        Linear Lin(string name, int input, int output) => new(Tensor(name + ".weight", output, input), Tensor(name + ".bias", output), input, output);
        Norm Ln(string name) => new(Tensor(name + ".weight", d), Tensor(name + ".bias", d));

        var layers = new Layer[m.FusionLayers];
        for (int l = 0; l < layers.Length; l++)
        {
            string p = $"layers.{l}.";
            layers[l] = new Layer(Ln(p + "ln_self"), Lin(p + "sq", d, d), Lin(p + "sk", d, d), Lin(p + "sv", d, d), Lin(p + "so", d, d),
                Ln(p + "ln_cross"), Lin(p + "cq", d, d), Lin(p + "ck", d, d), Lin(p + "cv", d, d), Lin(p + "co", d, d),
                Ln(p + "ln_mlp"), Lin(p + "fc1", d, ff), Lin(p + "fc2", ff, d));
        }
        var weights = new FusionWeights(d, m.Heads, ff, a, layers, Ln("ln"), Lin("head1", d, d), Lin("head2", d, a));
        var extra = t.Keys.Except(used).ToArray();
        if (extra.Length > 0)
            throw new ModelBundleException(path, $"tensor '{extra[0]}'", $"not part of a {m.FusionLayers}-layer fusion (wrong dims.fusion_layers?)");
        return weights;
    }
}
