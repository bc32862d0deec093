using System.Buffers.Binary;

namespace RealtimeMM.Speech;

/// <summary>
/// Reads RIFF WAV files (PCM 8/16/24/32-bit, IEEE float 32/64-bit, any rate and channel count,
/// WAVE_FORMAT_EXTENSIBLE included) and converts them to what the recogniser takes: 16 kHz mono
/// 16-bit samples (channels averaged, rate converted with a windowed-sinc low-pass).
/// </summary>
public static class WavFile
{
    public const int SpeechRate = 16000;

    /// <summary>Reads <paramref name="path"/> as 16 kHz mono 16-bit samples.</summary>
    public static short[] ReadSpeech(string path)
    {
        var (samples, rate) = ReadMono(path);
        return ToPcm16(Resample(samples, rate, SpeechRate));
    }

    /// <summary>Reads <paramref name="path"/> as mono floats in [-1, 1] at the file's own rate.</summary>
    public static (float[] Samples, int Rate) ReadMono(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: file not found", path);
        var bytes = File.ReadAllBytes(path);
        string Fail(string problem) => throw new AudioFormatException($"{path}: {problem}");
        if (bytes.Length == 0)
            Fail("empty file (0 bytes), not a WAV file");
        if (bytes.Length < 12 || !bytes.AsSpan(0, 4).SequenceEqual("RIFF"u8) || !bytes.AsSpan(8, 4).SequenceEqual("WAVE"u8))
            Fail("not a RIFF/WAVE file");
        int format = 0, channels = 0, rate = 0, bits = 0;
        bool haveFormat = false;
        for (long at = 12; at + 8 <= bytes.Length;)
        {
            var id = System.Text.Encoding.ASCII.GetString(bytes, (int)at, 4);
            long size = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan((int)at + 4));
            int body = (int)at + 8;
            if (id == "fmt ")
            {
                if (size < 16 || body + 16 > bytes.Length)
                    Fail("the fmt chunk is truncated");
                format = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(body));
                channels = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(body + 2));
                rate = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(body + 4));
                bits = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(body + 14));
                if (format == 0xFFFE && size >= 26 && body + 26 <= bytes.Length)
                    format = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(body + 24)); // the sub-format GUID starts with the real tag
                haveFormat = true;
            }
            else if (id == "data")
            {
                if (!haveFormat)
                    Fail("the data chunk comes before the fmt chunk");
                if (channels < 1 || rate < 1000 || rate > 384_000)
                    Fail($"unsupported layout: {channels} channel(s) at {rate} Hz");
                if (!(format == 1 && bits is 8 or 16 or 24 or 32) && !(format == 3 && bits is 32 or 64))
                    Fail($"unsupported sample format (tag {format}, {bits} bits): PCM 8/16/24/32-bit or float 32/64-bit");
                long available = bytes.Length - body;
                if (size > available && size != 0xFFFFFFFF) // streaming writers leave the size at -1
                    Fail($"truncated: the data chunk declares {size} bytes, the file holds {available}");
                int frameBytes = channels * bits / 8;
                long count = Math.Min(size, available) / frameBytes;
                if (count == 0)
                    Fail("no samples in the data chunk");
                return (Decode(bytes.AsSpan(body, (int)(count * frameBytes)), format, bits, channels), rate);
            }
            at = body + size + (size & 1); // chunks are padded to even sizes; long: a huge size ends the walk, never wraps
        }
        throw new AudioFormatException($"{path}: {(haveFormat ? "no data chunk" : "no fmt chunk")}");
    }

    static float[] Decode(ReadOnlySpan<byte> data, int format, int bits, int channels)
    {
        int width = bits / 8, frames = data.Length / (width * channels);
        var mono = new float[frames];
        for (int i = 0; i < frames; i++)
        {
            double sum = 0;
            for (int c = 0; c < channels; c++)
            {
                var s = data.Slice((i * channels + c) * width, width);
                sum += (format, bits) switch
                {
                    (1, 8) => (s[0] - 128) / 128.0,
                    (1, 16) => BinaryPrimitives.ReadInt16LittleEndian(s) / 32768.0,
                    (1, 24) => ((s[0] | s[1] << 8 | s[2] << 16) << 8 >> 8) / 8388608.0,
                    (1, 32) => BinaryPrimitives.ReadInt32LittleEndian(s) / 2147483648.0,
                    (3, 32) => BinaryPrimitives.ReadSingleLittleEndian(s),
                    _ => BinaryPrimitives.ReadDoubleLittleEndian(s),
                };
            }
            mono[i] = (float)(sum / channels);
        }
        return mono;
    }

    /// <summary>Band-limited rate conversion: each output sample is a Hann-windowed sinc sum, cut off below both Nyquist rates.</summary>
    public static float[] Resample(float[] input, int from, int to)
    {
        if (from == to)
            return input;
        double ratio = (double)to / from, cutoff = Math.Min(1.0, ratio) * 0.95; // as a fraction of the input's Nyquist
        const int Half = 48; // taps each side, at the lower of the two rates
        double width = Half / Math.Min(1.0, ratio);
        var output = new float[(int)Math.Floor(input.Length * ratio)];
        for (int n = 0; n < output.Length; n++)
        {
            double center = n / ratio, sum = 0, weights = 0;
            int lo = Math.Max(0, (int)Math.Ceiling(center - width)), hi = Math.Min(input.Length - 1, (int)Math.Floor(center + width));
            for (int k = lo; k <= hi; k++)
            {
                double x = k - center, t = x * cutoff;
                double sinc = Math.Abs(t) < 1e-9 ? 1 : Math.Sin(Math.PI * t) / (Math.PI * t);
                double w = sinc * (0.5 + 0.5 * Math.Cos(Math.PI * x / width));
                sum += input[k] * w;
                weights += w;
            }
            output[n] = (float)(weights > 0 ? sum / weights : 0);
        }
        return output;
    }

    public static short[] ToPcm16(float[] samples)
    {
        var pcm = new short[samples.Length];
        for (int i = 0; i < pcm.Length; i++)
            pcm[i] = (short)Math.Clamp(Math.Round(samples[i] * 32767.0), short.MinValue, short.MaxValue);
        return pcm;
    }
}
