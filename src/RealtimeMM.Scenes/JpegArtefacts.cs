namespace RealtimeMM.Scenes;

/// <summary>
/// The lossy part of baseline JPEG, applied in place: BGR → YCbCr (JFIF), 4:2:0 chroma
/// subsampling, 8x8 DCT, quantisation with the IJG tables scaled by quality, and back. The entropy
/// coding JPEG adds on top is lossless, so this gives the same blocking and ringing a camera's
/// JPEG stage does, in plain C#: the scene generator needs no native library and makes the same
/// frames on every machine (the tests compare it with OpenCV's encoder).
/// </summary>
public static class JpegArtefacts
{
    static readonly byte[] LumaBase =
    [
        16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
        14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
        49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
    ];

    static readonly byte[] ChromaBase =
    [
        17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99,
        47, 66, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
        99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    ];

    // Cos[u * 8 + x] = c(u) / 2 * cos((2x + 1) u π / 16): the orthonormal 8-point DCT-II basis
    static readonly float[] Cos = BuildCos();

    /// <summary>Quantisation table for a quality in 1..100, scaled as libjpeg does.</summary>
    public static float[] QuantTable(bool chroma, int quality)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(quality, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quality, 100);
        int scale = quality < 50 ? 5000 / quality : 200 - 2 * quality;
        var base_ = chroma ? ChromaBase : LumaBase;
        var table = new float[64];
        for (int i = 0; i < 64; i++)
            table[i] = Math.Clamp((base_[i] * scale + 50) / 100, 1, 255);
        return table;
    }

    /// <summary>Round-trips tightly packed BGR24 pixels through JPEG's lossy stages at <paramref name="quality"/>.</summary>
    public static void RoundTrip(byte[] bgr, int width, int height, int quality)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (bgr.Length < width * height * 3)
            throw new ArgumentException($"bgr holds {bgr.Length} bytes, {width}x{height} BGR24 needs {width * height * 3}", nameof(bgr));
        // planes padded to whole 16x16 macroblocks by repeating the edge, as encoders do
        int pw = (width + 15) & ~15, ph = (height + 15) & ~15, cw = pw / 2, ch = ph / 2;
        var y = new float[pw * ph];
        var cb = new float[cw * ch];
        var cr = new float[cw * ch];
        var fullCb = new float[pw * ph];
        var fullCr = new float[pw * ph];
        for (int row = 0; row < ph; row++)
        {
            int sy = Math.Min(row, height - 1);
            for (int col = 0; col < pw; col++)
            {
                int s = (sy * width + Math.Min(col, width - 1)) * 3;
                float b = bgr[s], g = bgr[s + 1], r = bgr[s + 2];
                int d = row * pw + col;
                y[d] = 0.299f * r + 0.587f * g + 0.114f * b - 128;
                fullCb[d] = -0.168736f * r - 0.331264f * g + 0.5f * b;
                fullCr[d] = 0.5f * r - 0.418688f * g - 0.081312f * b;
            }
        }
        for (int row = 0; row < ch; row++)
            for (int col = 0; col < cw; col++)
            {
                int s = 2 * row * pw + 2 * col;
                cb[row * cw + col] = (fullCb[s] + fullCb[s + 1] + fullCb[s + pw] + fullCb[s + pw + 1]) / 4;
                cr[row * cw + col] = (fullCr[s] + fullCr[s + 1] + fullCr[s + pw] + fullCr[s + pw + 1]) / 4;
            }

        Quantise(y, pw, ph, QuantTable(false, quality));
        var chromaTable = QuantTable(true, quality);
        Quantise(cb, cw, ch, chromaTable);
        Quantise(cr, cw, ch, chromaTable);
        Upsample(cb, cw, ch, fullCb);
        Upsample(cr, cw, ch, fullCr);

        for (int row = 0; row < height; row++)
            for (int col = 0; col < width; col++)
            {
                int s = row * pw + col, d = (row * width + col) * 3;
                float l = y[s] + 128, u = fullCb[s], v = fullCr[s];
                bgr[d] = ToByte(l + 1.772f * u);
                bgr[d + 1] = ToByte(l - 0.344136f * u - 0.714136f * v);
                bgr[d + 2] = ToByte(l + 1.402f * v);
            }
    }

    /// <summary>Forward DCT, quantise, dequantise and inverse DCT of every 8x8 block of a plane, in place.</summary>
    static void Quantise(float[] plane, int width, int height, float[] table)
    {
        Span<float> block = stackalloc float[64];
        Span<float> temp = stackalloc float[64];
        for (int by = 0; by < height; by += 8)
            for (int bx = 0; bx < width; bx += 8)
            {
                for (int r = 0; r < 8; r++)
                    plane.AsSpan((by + r) * width + bx, 8).CopyTo(block.Slice(r * 8, 8));
                Transform(block, temp, inverse: false);
                for (int i = 0; i < 64; i++)
                    block[i] = MathF.Round(block[i] / table[i]) * table[i];
                Transform(block, temp, inverse: true);
                for (int r = 0; r < 8; r++)
                    block.Slice(r * 8, 8).CopyTo(plane.AsSpan((by + r) * width + bx, 8));
            }
    }

    /// <summary>Separable 2D DCT-II (or its inverse) of one 8x8 block: rows, then columns.</summary>
    static void Transform(Span<float> block, Span<float> temp, bool inverse)
    {
        for (int pass = 0; pass < 2; pass++)
        {
            // pass 0 reads block rows into temp columns; pass 1 does the same from temp, so the two
            // transposes cancel and the result lands back in block
            Span<float> src = pass == 0 ? block : temp, dst = pass == 0 ? temp : block;
            for (int r = 0; r < 8; r++)
                for (int k = 0; k < 8; k++)
                {
                    float sum = 0;
                    for (int n = 0; n < 8; n++)
                        sum += src[r * 8 + n] * (inverse ? Cos[n * 8 + k] : Cos[k * 8 + n]);
                    dst[k * 8 + r] = sum;
                }
        }
    }

    /// <summary>2x upsampling with the triangle filter libjpeg's decoder uses ("fancy upsampling").</summary>
    static void Upsample(float[] half, int cw, int ch, float[] full)
    {
        int pw = cw * 2;
        for (int row = 0; row < ch * 2; row++)
        {
            int near = row / 2, far = Math.Clamp(row % 2 == 0 ? near - 1 : near + 1, 0, ch - 1);
            for (int col = 0; col < pw; col++)
            {
                int nc = col / 2, fc = Math.Clamp(col % 2 == 0 ? nc - 1 : nc + 1, 0, cw - 1);
                full[row * pw + col] = (9 * half[near * cw + nc] + 3 * half[near * cw + fc] + 3 * half[far * cw + nc] + half[far * cw + fc]) / 16;
            }
        }
    }

    static float[] BuildCos()
    {
        var cos = new float[64];
        for (int u = 0; u < 8; u++)
            for (int x = 0; x < 8; x++)
                cos[u * 8 + x] = (float)((u == 0 ? Math.Sqrt(0.125) : 0.5) * Math.Cos((2 * x + 1) * u * Math.PI / 16));
        return cos;
    }

    static byte ToByte(float v) => (byte)Math.Clamp((int)MathF.Round(v), 0, 255);
}
