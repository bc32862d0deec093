using RealtimeMM.Replay;

namespace RealtimeMM.Scenes;

/// <summary>
/// Renders the scene world of SCENES.md with full ground truth. Deterministic: the same seed,
/// index and options give the same bytes. Scenes are independent of each other, so callers can
/// render them in parallel.
/// </summary>
public static class SceneGenerator
{
    /// <summary>Smallest and largest object extent (the longer side), as fractions of the frame height.</summary>
    public const float MinExtent = 1f / 10, MaxExtent = 1f / 2.5f;

    /// <summary>An object counts as in the scene when at least this share of it is visible.</summary>
    public const float MinVisibleShare = 0.5f;

    /// <summary>Renders scene number <paramref name="index"/> of the series <paramref name="seed"/>.</summary>
    public static SceneFrame Render(int seed, long index, SceneOptions? options = null)
    {
        options ??= new SceneOptions();
        options.Validate();
        var rng = new Random(Mix(seed, index, 0));
        int w = options.Width, h = options.Height;
        var bgr = new byte[w * h * 3];
        new Backdrop(rng).Render(bgr, w, h);
        // the randomised style draws from its own stream, so scenes without it stay exactly as they were
        var styleRng = new Random(Mix(seed, index, 3));
        bool styled = options.Randomise > 0 && styleRng.NextDouble() < options.Randomise;
        if (styled && options.Photos is { } photos)
            PhotoBackdrop(bgr, w, h, photos, styleRng);
        int n = rng.Next(options.MinObjects, options.MostObjects + 1);
        var objects = new List<SceneObject>();
        var pairs = new PairRules(options);
        for (int k = 0; k < n; k++)
        {
            var o = Place(rng, bgr, w, h, objects, k, inside: true, pairs, favor: k == 0 && pairs.Favor(rng));
            if (o is null)
                continue;
            if (options.EdgeObjectChance > 0 && rng.NextDouble() < options.EdgeObjectChance)
                AcrossEdge(o, rng, w, h);
            objects.Add(o);
        }
        var look = options.CameraEffects ? SceneRenderer.CameraLook.Sample(rng) : SceneRenderer.CameraLook.Clean;
        return Finish(bgr, w, h, objects, look, new Random(Mix(seed, index, 1)), options, styled ? Style(objects, styleRng, w, h) : null);
    }

    /// <summary>
    /// An animated clip: objects drift, enter and leave over a fixed backdrop; each frame has its
    /// own sensor noise and ground truth. Frames are rendered lazily in order.
    /// </summary>
    public static IEnumerable<SceneFrame> RenderClip(int seed, int frameCount, double fps, SceneOptions? options = null)
    {
        options ??= new SceneOptions();
        options.Validate();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frameCount);
        if (!(fps > 0 && fps <= 1000))
            throw new ArgumentOutOfRangeException(nameof(fps), fps, "fps must be in (0, 1000]");
        return Clip(seed, frameCount, fps, options);
    }

    static IEnumerable<SceneFrame> Clip(int seed, int frameCount, double fps, SceneOptions options)
    {
        var rng = new Random(Mix(seed, -1, 0));
        int w = options.Width, h = options.Height;
        var backdrop = new byte[w * h * 3];
        new Backdrop(rng).Render(backdrop, w, h);
        int n = rng.Next(options.MinObjects, options.MostObjects + 1);
        var objects = new List<SceneObject>();
        var pairs = new PairRules(options);
        for (int k = 0; k < n; k++)
        {
            // about a third of the objects start outside and drive in
            bool enters = k > 0 && rng.NextDouble() < 0.35;
            var o = Place(rng, backdrop, w, h, objects, k, inside: !enters, pairs, favor: k == 0 && pairs.Favor(rng));
            if (o is null)
                continue;
            float speed = (0.04f + (float)rng.NextDouble() * 0.16f) * w; // pixels per second
            float angle = (float)(rng.NextDouble() * Math.PI * 2);
            if (enters)
            {
                // start just beyond the left or right edge, heading in
                bool fromLeft = rng.Next(2) == 0;
                var (hx, _) = o.HalfExtent;
                o.Cx = fromLeft ? -hx : w + hx;
                angle = (fromLeft ? 0 : MathF.PI) + (float)(rng.NextDouble() - 0.5) * 0.6f;
                speed = Math.Max(speed, 0.12f * w);
            }
            o.Vx = MathF.Cos(angle) * speed;
            o.Vy = MathF.Sin(angle) * speed * 0.4f; // mostly sideways, as traffic and walkers go
            objects.Add(o);
        }
        var look = options.CameraEffects ? SceneRenderer.CameraLook.Sample(rng) : SceneRenderer.CameraLook.Clean;
        float dt = (float)(1 / fps);
        for (int f = 0; f < frameCount; f++)
        {
            var frameRng = new Random(Mix(seed, f, 2));
            yield return Finish((byte[])backdrop.Clone(), w, h, objects, look, frameRng, options);
            foreach (var o in objects)
            {
                o.Cx += o.Vx * dt;
                o.Cy += o.Vy * dt;
            }
        }
    }

    /// <summary>Draws, measures visibility, keeps the objects that are visible enough, asks questions.</summary>
    static SceneFrame Finish(byte[] bgr, int w, int h, List<SceneObject> objects, SceneRenderer.CameraLook look, Random rng, SceneOptions options,
        SceneRenderer.RandomStyle? style = null)
    {
        var vis = SceneRenderer.Draw(bgr, w, h, objects, look, rng, style);
        var truths = new List<ObjectTruth>();
        var unsureClasses = new HashSet<string>();
        var unsureColors = new HashSet<string>();
        for (int k = 0; k < objects.Count; k++)
        {
            var o = objects[k];
            var v = vis[k];
            if (v.Visible >= 40 && v.Visible >= MinVisibleShare * v.Full)
                truths.Add(new ObjectTruth(o.Id, o.ClassName, o.ColorName, v.Box, v.Mask));
            else if (v.Visible > 0)
            {
                // partly visible, not labeled: questions must not depend on it
                unsureClasses.Add(o.ClassName);
                unsureColors.Add(o.ColorName);
            }
        }
        var questions = SceneQuestions.Ask(options.World, truths, unsureClasses, unsureColors, w, h, options.QuestionsPerFrame, rng);
        return new SceneFrame(w, h, bgr, truths.ToArray(), questions, unsureClasses.Except(truths.Select(t => t.Class)).Order(StringComparer.Ordinal).ToArray());
    }

    /// <summary>
    /// Picks class, color, size, pose and position for object <paramref name="id"/>; its color
    /// differs clearly from the backdrop behind it, and it overlaps any placed object by at most a
    /// third of the smaller box. Null when no free spot was found.
    /// </summary>
    static SceneObject? Place(Random rng, byte[] backdrop, int w, int h, List<SceneObject> placed, int id, bool inside, PairRules pairs, bool favor)
    {
        for (int attempt = 0; attempt < 40; attempt++)
        {
            var o = new SceneObject
            {
                Id = id,
                ClassIndex = pairs.Classes[rng.Next(pairs.Classes.Length)],
                ColorIndex = pairs.Colors[rng.Next(pairs.Colors.Length)],
                Rotation = (float)(rng.NextDouble() - 0.5) * 0.4f,
                Squash = 0.8f + (float)rng.NextDouble() * 0.2f,
                LightAngle = (float)(rng.NextDouble() * Math.PI * 2),
                LightStrength = (float)rng.NextDouble() * 0.22f,
            };
            if (favor)
                (o.ClassIndex, o.ColorIndex) = pairs.PickFavored(rng);
            else
            {
                SceneObject? twin = null;
                if (pairs.SameClassChance > 0 && placed.Count > 0 && rng.NextDouble() < pairs.SameClassChance)
                    o.ClassIndex = (twin = placed[rng.Next(placed.Count)]).ClassIndex;
                if (pairs.SameColorChance > 0 && placed.Count > 0 && rng.NextDouble() < pairs.SameColorChance)
                    o.ColorIndex = (twin ?? placed[rng.Next(placed.Count)]).ColorIndex;
            }
            float extent = (MinExtent + (float)rng.NextDouble() * (MaxExtent - MinExtent)) * h;
            o.Size = extent / Math.Max(1, o.Shape.Aspect * o.Squash);
            var (hx, hy) = o.HalfExtent;
            if (2 * hx >= w - 4 || 2 * hy >= h - 4)
                continue;
            o.Cx = hx + 2 + (float)rng.NextDouble() * (w - 4 - 2 * hx);
            o.Cy = hy + 2 + (float)rng.NextDouble() * (h - 4 - 2 * hy);
            if (inside && placed.Any(p => Overlap(p, o) > 1f / 3))
                continue;
            var bg = BackdropAt(backdrop, w, h, o.Cx, o.Cy);
            for (int c = 0; c < 8; c++)
            {
                if (!pairs.Excluded(o.ClassIndex, o.ColorIndex))
                {
                    o.Rgb = ColorRegions.Sample(o.ColorIndex, rng);
                    if (ColorRegions.Distance(o.Rgb, bg) >= 25)
                        return o;
                }
                if (favor)
                    break; // a favoured pair keeps its color: try another spot instead
                o.ColorIndex = pairs.Colors[rng.Next(pairs.Colors.Length)];
            }
        }
        return null;
    }

    /// <summary>
    /// The randomised style's backdrop: half the time a photo crop (toned toward the drawn backdrop,
    /// so objects keep standing apart), else the drawn one with one or two photo patches as clutter.
    /// </summary>
    static void PhotoBackdrop(byte[] bgr, int w, int h, PhotoLibrary photos, Random rng)
    {
        var photo = photos.Crop(rng, w, h);
        if (rng.Next(2) == 0)
        {
            float keep = 0.55f + (float)rng.NextDouble() * 0.35f;
            for (int i = 0; i < bgr.Length; i++)
                bgr[i] = (byte)(photo[i] * keep + bgr[i] * (1 - keep));
            return;
        }
        for (int patch = 1 + rng.Next(2); patch > 0; patch--)
        {
            float cx = (float)rng.NextDouble() * w, cy = (float)rng.NextDouble() * h, rx = (0.08f + (float)rng.NextDouble() * 0.15f) * w, ry = rx * (0.5f + (float)rng.NextDouble());
            for (int y = Math.Max(0, (int)(cy - ry)); y < Math.Min(h, (int)(cy + ry) + 1); y++)
                for (int x = Math.Max(0, (int)(cx - rx)); x < Math.Min(w, (int)(cx + rx) + 1); x++)
                    if ((x - cx) * (x - cx) / (rx * rx) + (y - cy) * (y - cy) / (ry * ry) <= 1)
                        for (int c = 0; c < 3; c++)
                            bgr[(y * w + x) * 3 + c] = photo[(y * w + x) * 3 + c];
        }
    }

    /// <summary>Each object's randomised look (mirrored, parts shaded apart, a texture) and the frame's (outlines, an occluding bar).</summary>
    static SceneRenderer.RandomStyle Style(List<SceneObject> objects, Random rng, int w, int h)
    {
        foreach (var o in objects)
        {
            o.Mirror = rng.Next(2) == 0;
            o.PartJitter = (float)rng.NextDouble() * 0.12f;
            o.Texture = (SceneTexture)rng.Next(4);
            o.TextureFrequency = 12 + (float)rng.NextDouble() * 30;
            o.TextureAngle = (float)(rng.NextDouble() * Math.PI);
        }
        bool outline = rng.Next(2) == 0;
        if (rng.NextDouble() >= 0.35)
            return new(outline, null);
        float gray = 60 + (float)rng.NextDouble() * 140;
        var color = ((byte)gray, (byte)(gray * (0.85f + 0.2f * (float)rng.NextDouble())), (byte)(gray * (0.8f + 0.2f * (float)rng.NextDouble())));
        return new(outline, ((float)rng.NextDouble() * w, -5, (float)rng.NextDouble() * w, h + 5, (0.03f + (float)rng.NextDouble() * 0.05f) * h, color));
    }

    /// <summary>Moves an object across a random edge of the frame so that 20-80% of it is in view.</summary>
    static void AcrossEdge(SceneObject o, Random rng, int w, int h)
    {
        var (hx, hy) = o.HalfExtent;
        float inView = 0.2f + (float)rng.NextDouble() * 0.6f;
        switch (rng.Next(4))
        {
            case 0: o.Cx = -hx + 2 * hx * inView; break;
            case 1: o.Cx = w + hx - 2 * hx * inView; break;
            case 2: o.Cy = -hy + 2 * hy * inView; break;
            default: o.Cy = h + hy - 2 * hy * inView; break;
        }
    }

    /// <summary>The compositional hold-out: pairs never drawn, and pairs to favour in a test split.</summary>
    sealed class PairRules(SceneOptions options)
    {
        readonly HashSet<(int, int)> excluded = options.ParsePairs(options.ExcludedPairs).ToHashSet();
        readonly (int Class, int Color)[] favored = options.ParsePairs(options.FavoredPairs);

        public bool Excluded(int cls, int color) => excluded.Contains((cls, color));

        /// <summary>The world's classes and colors (catalogue indexes) that objects are drawn from.</summary>
        public int[] Classes { get; } = options.Pools.Classes;

        public int[] Colors { get; } = options.Pools.Colors;

        public double SameClassChance => options.SameClassChance;

        public double SameColorChance => options.SameColorChance;

        public bool Favor(Random rng) => favored.Length > 0 && rng.NextDouble() < options.FavoredPairChance;

        public (int, int) PickFavored(Random rng) => favored[rng.Next(favored.Length)];
    }

    /// <summary>Intersection of the two boxes over the smaller box's area.</summary>
    static float Overlap(SceneObject a, SceneObject b)
    {
        var (ax0, ay0, ax1, ay1) = a.Extent;
        var (bx0, by0, bx1, by1) = b.Extent;
        float iw = Math.Min(ax1, bx1) - Math.Max(ax0, bx0), ih = Math.Min(ay1, by1) - Math.Max(ay0, by0);
        if (iw <= 0 || ih <= 0)
            return 0;
        float small = Math.Min((ax1 - ax0) * (ay1 - ay0), (bx1 - bx0) * (by1 - by0));
        return iw * ih / small;
    }

    static (byte R, byte G, byte B) BackdropAt(byte[] bgr, int w, int h, float x, float y)
    {
        int i = (Math.Clamp((int)y, 0, h - 1) * w + Math.Clamp((int)x, 0, w - 1)) * 3;
        return (bgr[i + 2], bgr[i + 1], bgr[i]);
    }

    /// <summary>A well-mixed 31-bit seed from (seed, index, stream): splitmix64's finaliser.</summary>
    static int Mix(int seed, long index, int stream)
    {
        ulong z = (ulong)(uint)seed * 0x9E3779B97F4A7C15UL ^ (ulong)index * 0xBF58476D1CE4E5B9UL ^ (ulong)stream * 0x94D049BB133111EBUL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (int)(z & 0x7FFFFFFF);
    }
}
