using RealtimeMM.Frames;
namespace RealtimeMM.Preprocess;

/// <summary>
/// The plain C# reference: one output pixel at a time, exactly the arithmetic of
/// <c>shaders/preprocess.comp</c> in the same order, in float. Slow on purpose: it is the test
/// oracle for the Vulkan kernel and the fast CPU path, not a path to run frames through.
/// </summary>
public static class PreprocessReference
{
    /// <summary>Writes the NCHW float32 tensor (<c>3 * Height * Width</c>) for <paramref name="image"/>.</summary>
    public static void Run(ImageView image, PreprocessSpec spec, Span<float> output)
    {
        spec.Validate();
        image.Validate();
        if (output.Length < spec.OutputLength)
            throw new ArgumentException($"output holds {output.Length} floats, {spec.Width}x{spec.Height}x3 needs {spec.OutputLength}", nameof(output));
        var g = PreprocessGeometry.For(image.Width, image.Height, spec);
        bool area = spec.Filter == ResizeFilter.Area;
        float invR = 1f / spec.Std.X, invG = 1f / spec.Std.Y, invB = 1f / spec.Std.Z;
        int plane = spec.Width * spec.Height;
        var px = image.Pixels;
        for (int y = 0; y < spec.Height; y++)
        {
            float cy = (y + 0.5f) * g.ScaleY + g.OriginY;
            for (int x = 0; x < spec.Width; x++)
            {
                float cx = (x + 0.5f) * g.ScaleX + g.OriginX;
                int o = y * spec.Width + x;
                if (g.Letterbox && (cx < 0f || cx >= image.Width || cy < 0f || cy >= image.Height))
                {
                    output[o] = output[o + plane] = output[o + 2 * plane] = 0f; // padding is the mean
                    continue;
                }
                var tx = PreprocessGeometry.Taps(cx, g.ScaleX, image.Width, area);
                var ty = PreprocessGeometry.Taps(cy, g.ScaleY, image.Height, area);
                float r = 0, gr = 0, b = 0;
                for (int j = ty.First; j <= ty.Last; j++)
                {
                    float wy = ty.Weight(j);
                    float rr = 0, rg = 0, rb = 0;
                    for (int i = tx.First; i <= tx.Last; i++)
                    {
                        float wx = tx.Weight(i);
                        int p = j * image.Stride + i * 3;
                        rb += wx * px[p];
                        rg += wx * px[p + 1];
                        rr += wx * px[p + 2];
                    }
                    r += wy * rr;
                    gr += wy * rg;
                    b += wy * rb;
                }
                float norm = 1f / (tx.Total * ty.Total * 255f);
                output[o] = (r * norm - spec.Mean.X) * invR;
                output[o + plane] = (gr * norm - spec.Mean.Y) * invG;
                output[o + 2 * plane] = (b * norm - spec.Mean.Z) * invB;
            }
        }
    }

    /// <summary>The same tensor as float16 (computed in float, then rounded to nearest).</summary>
    public static void Run(ImageView image, PreprocessSpec spec, Span<Half> output)
    {
        if (output.Length < spec.OutputLength)
            throw new ArgumentException($"output holds {output.Length} halves, {spec.Width}x{spec.Height}x3 needs {spec.OutputLength}", nameof(output));
        var f = new float[spec.OutputLength];
        Run(image, spec, f);
        for (int i = 0; i < f.Length; i++)
            output[i] = (Half)f[i];
    }
}
