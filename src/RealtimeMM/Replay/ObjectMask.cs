namespace RealtimeMM.Replay;

/// <summary>
/// Which pixels of an object's box belong to the object (visible, after occlusion): run lengths
/// over the box in row-major order, alternating outside/inside and starting with outside.
/// </summary>
public sealed record ObjectMask(int[] Runs)
{
    /// <summary>Encodes a box-sized inside/outside map (<c>width * height</c> bytes, non-zero = inside).</summary>
    public static ObjectMask Encode(ReadOnlySpan<byte> inside)
    {
        var runs = new List<int>();
        bool state = false;
        int run = 0;
        foreach (byte b in inside)
        {
            if (b != 0 != state)
            {
                runs.Add(run);
                run = 0;
                state = !state;
            }
            run++;
        }
        runs.Add(run);
        return new ObjectMask(runs.ToArray());
    }

    /// <summary>Decodes into <paramref name="inside"/> (<c>width * height</c> bytes, 1 = inside).</summary>
    public void Decode(Span<byte> inside)
    {
        int pos = 0;
        bool state = false;
        foreach (int run in Runs)
        {
            if (run < 0 || pos + run > inside.Length)
                throw new InvalidDataException($"mask runs cover more than the box's {inside.Length} pixels");
            inside.Slice(pos, run).Fill(state ? (byte)1 : (byte)0);
            pos += run;
            state = !state;
        }
        if (pos != inside.Length)
            throw new InvalidDataException($"mask runs cover {pos} pixels, the box has {inside.Length}");
    }

    /// <summary>Pixels inside the mask.</summary>
    public int Area
    {
        get
        {
            int a = 0;
            for (int i = 1; i < Runs.Length; i += 2)
                a += Runs[i];
            return a;
        }
    }
}
