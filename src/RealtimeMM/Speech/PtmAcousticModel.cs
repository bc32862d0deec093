using System.Text;

namespace RealtimeMM.Speech;

/// <summary>
/// The parts of PocketSphinx's en-us acoustic model that speaker adaptation needs, read from its files:
/// a phonetically tied mixture model (one codebook of Gaussians per context-independent phone and feature
/// stream, shared by every triphone of that phone), the mixture weights of the context-independent
/// senones (3 per phone: senone 3 * phone + state) and the phone names. File formats as sphinxbase writes
/// them: <c>means</c>/<c>variances</c> (s3 header, then int32 dimensions and float32 data, checksum),
/// <c>mdef</c> (binary "BMDF"), <c>sendump</c> (8-bit quantised -log weights).
/// </summary>
internal sealed class PtmAcousticModel
{
    /// <summary>A stored weight byte b stands for exp(-b * 0.1024): -log base 1.0001, shifted right by 10 bits.</summary>
    const double WeightStep = 1024 * 9.9995e-5;

    public required string[] Phones { get; init; }
    public int Silence { get; init; }
    public int Codebooks { get; init; }
    public int Streams { get; init; }
    public int Density { get; init; }
    public int Dim { get; init; }
    /// <summary>[codebook][stream][gaussian][dim].</summary>
    public required float[] Means { get; init; }
    public required float[] Variances { get; init; }
    /// <summary>log(2 pi var) summed over dims, times -1/2: [codebook][stream][gaussian].</summary>
    public required float[] LogNorm { get; init; }
    /// <summary>Natural-log mixture weights of the context-independent senones: [stream][gaussian][senone].</summary>
    public required float[] LogWeights { get; init; }
    public int Senones => 3 * Phones.Length;
    public string MeansFile { get; init; } = "";

    public static PtmAcousticModel Load(string folder)
    {
        string meansFile = Path.Combine(folder, "means");
        var (means, dims) = ReadGaussians(meansFile);
        var (variances, vdims) = ReadGaussians(Path.Combine(folder, "variances"));
        if (!dims.SequenceEqual(vdims))
            throw new InvalidDataException($"{folder}: means and variances differ in shape");
        for (int i = 0; i < variances.Length; i++)
            variances[i] = Math.Max(variances[i], 1e-4f); // sphinxbase's variance floor
        var (phones, silence) = ReadPhones(Path.Combine(folder, "mdef"));
        if (dims[0] != phones.Length)
            throw new InvalidDataException($"{folder}: {dims[0]} codebooks for {phones.Length} phones: not a phonetically tied (ptm) model");
        int streams = dims[1], density = dims[2], dim = dims[3];
        var weights = ReadWeights(Path.Combine(folder, "sendump"), streams, density, 3 * phones.Length);
        var norm = new float[dims[0] * streams * density];
        for (int g = 0; g < norm.Length; g++)
        {
            double sum = 0;
            for (int d = 0; d < dim; d++)
                sum += Math.Log(2 * Math.PI * variances[g * dim + d]);
            norm[g] = (float)(-0.5 * sum);
        }
        return new PtmAcousticModel
        {
            Phones = phones, Silence = silence, Codebooks = dims[0], Streams = streams, Density = density, Dim = dim,
            Means = means, Variances = variances, LogNorm = norm, LogWeights = weights, MeansFile = meansFile,
        };
    }

    /// <summary>Log densities of one codebook's Gaussians of one stream at x (Dim floats), without weights.</summary>
    public void Densities(int codebook, int stream, ReadOnlySpan<float> x, Span<double> result)
    {
        for (int k = 0; k < Density; k++)
        {
            int g = (codebook * Streams + stream) * Density + k, o = g * Dim;
            double s = 0;
            for (int d = 0; d < Dim; d++)
            {
                double diff = x[d] - Means[o + d];
                s += diff * diff / Variances[o + d];
            }
            result[k] = LogNorm[g] - 0.5 * s;
        }
    }

    /// <summary>Adds the senone's log mixture weights of a stream to densities (in place); returns the log of their sum.</summary>
    public double Mix(int senone, int stream, Span<double> densities)
    {
        double max = double.NegativeInfinity;
        for (int k = 0; k < Density; k++)
        {
            densities[k] += LogWeights[(stream * Density + k) * Senones + senone];
            max = Math.Max(max, densities[k]);
        }
        double sum = 0;
        for (int k = 0; k < Density; k++)
            sum += Math.Exp(densities[k] - max);
        return max + Math.Log(sum);
    }

    /// <summary>Writes a copy of the model's means file with other means (same header, shapes and a fresh checksum).</summary>
    public void WriteMeans(string path, float[] means)
    {
        if (means.Length != Means.Length)
            throw new ArgumentException($"{means.Length} means for a model of {Means.Length}", nameof(means));
        var bytes = File.ReadAllBytes(MeansFile);
        int words = HeaderEnd(bytes, MeansFile) + 4; // past the byte-order word: the checksum covers the rest
        int data = words + 4 * (4 + Streams);
        Buffer.BlockCopy(means, 0, bytes, data, means.Length * 4);
        uint sum = 0;
        for (int i = words; i < data + means.Length * 4; i += 4)
            sum = ((sum << 20) | (sum >> 12)) + BitConverter.ToUInt32(bytes, i);
        BitConverter.TryWriteBytes(bytes.AsSpan(data + means.Length * 4), sum);
        string partial = path + ".partial";
        File.WriteAllBytes(partial, bytes);
        File.Move(partial, path, overwrite: true);
    }

    /// <summary>Reads a means or variances file: the data and [codebooks, streams, density, dim].</summary>
    public static (float[] Data, int[] Dims) ReadGaussians(string path)
    {
        var b = File.ReadAllBytes(path);
        int p = HeaderEnd(b, path);
        if (BitConverter.ToUInt32(b, p) != 0x11223344)
            throw new InvalidDataException($"{path}: not a little-endian sphinx parameter file");
        int codebooks = BitConverter.ToInt32(b, p + 4), streams = BitConverter.ToInt32(b, p + 8), density = BitConverter.ToInt32(b, p + 12);
        p += 16;
        var lengths = Enumerable.Range(0, streams).Select(i => BitConverter.ToInt32(b, p + 4 * i)).ToArray();
        p += 4 * streams;
        int count = BitConverter.ToInt32(b, p);
        p += 4;
        if (lengths.Any(l => l != lengths[0]) || count != codebooks * density * lengths.Sum() || p + 4L * count > b.Length)
            throw new InvalidDataException($"{path}: unexpected shape ({codebooks} codebooks, streams of {string.Join('/', lengths)}, {count} values)");
        var data = new float[count];
        Buffer.BlockCopy(b, p, data, 0, count * 4);
        return (data, [codebooks, streams, density, lengths[0]]);
    }

    static int HeaderEnd(byte[] b, string path)
    {
        int at = b.AsSpan().IndexOf("endhdr\n"u8);
        return at < 0 ? throw new InvalidDataException($"{path}: no sphinx header") : at + 7;
    }

    static (string[] Phones, int Silence) ReadPhones(string path)
    {
        var b = File.ReadAllBytes(path);
        if (b.Length < 64 || Encoding.ASCII.GetString(b, 0, 4) != "BMDF")
            throw new InvalidDataException($"{path}: not a binary model definition (BMDF)");
        int p = 12 + BitConverter.ToInt32(b, 8); // magic, version, format text
        int count = BitConverter.ToInt32(b, p), silence = BitConverter.ToInt32(b, p + 36);
        p += 40;
        var phones = new string[count];
        for (int i = 0; i < count; i++)
        {
            int end = Array.IndexOf(b, (byte)0, p);
            phones[i] = Encoding.ASCII.GetString(b, p, end - p);
            p = end + 1;
        }
        return (phones, silence);
    }

    static float[] ReadWeights(string path, int streams, int density, int ciSenones)
    {
        var b = File.ReadAllBytes(path);
        int p = 0;
        for (int n; (n = BitConverter.ToInt32(b, p)) != 0; p += n)
            p += 4;
        p += 4;
        int codewords = BitConverter.ToInt32(b, p), senones = BitConverter.ToInt32(b, p + 4);
        p += 8;
        if (codewords != density || p + (long)streams * density * senones > b.Length)
            throw new InvalidDataException($"{path}: {codewords} codewords x {senones} senones do not fit the model");
        var w = new float[streams * density * ciSenones];
        for (int f = 0; f < streams; f++)
            for (int s = 0; s < ciSenones; s++)
            {
                double sum = 0;
                for (int k = 0; k < density; k++)
                    sum += Math.Exp(-b[p + (f * density + k) * senones + s] * WeightStep);
                double log = Math.Log(sum); // the quantised weights sum to ~0.95: renormalise
                for (int k = 0; k < density; k++)
                    w[(f * density + k) * ciSenones + s] = (float)(-b[p + (f * density + k) * senones + s] * WeightStep - log);
            }
        return w;
    }
}
