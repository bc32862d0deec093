using OpenCvSharp;
using RealtimeMM.Replay;

namespace RealtimeMM.Scenes.TestWorld;

/// <summary>
/// The out-of-generator test world: the scene world of SCENES.md (same classes, colors, question
/// kinds, position rule and ground truth) drawn by code written apart from <see cref="SceneGenerator"/>:
/// its own drawing of every class (<see cref="Sketch"/>, OpenCV's anti-aliased primitives with
/// outlines, glass, tyres, faces), its own colors (drawn uniformly from each CIELAB region, not near
/// a prototype), its own backgrounds and its own camera. It is a test: nothing trains on it, is
/// tuned to it or fits a threshold on it. Deterministic: the same seed and index give the same bytes.
/// </summary>
public static class TestWorldGenerator
{
    /// <summary>Renders test-world scene <paramref name="index"/> of series <paramref name="seed"/> (size, object count, camera effects and questions from <paramref name="options"/>).</summary>
    public static SceneFrame Render(int seed, long index, SceneOptions? options = null)
    {
        options ??= new SceneOptions();
        options.Validate();
        var rng = new Random(Seed(seed, index, 1));
        int w = options.Width, h = options.Height;
        using var canvas = new Mat(h, w, MatType.CV_8UC3);
        TestBackgrounds.Paint(canvas, rng);
        var backdrop = canvas.Clone();
        int n = rng.Next(options.MinObjects, options.MostObjects + 1);
        var placed = new List<(int Class, int Color, Rect Box, Mat Coverage)>();
        try
        {
            for (int k = 0; k < n; k++)
                if (Place(canvas, backdrop, rng, placed, options.Pools) is { } p)
                    placed.Add(p);
            var truths = new List<ObjectTruth>();
            var unsureClasses = new HashSet<string>();
            var unsureColors = new HashSet<string>();
            for (int k = 0; k < placed.Count; k++)
            {
                var (cls, color, _, coverage) = placed[k];
                using var visible = coverage.Clone();
                for (int later = k + 1; later < placed.Count; later++)
                    visible.SetTo(Scalar.All(0), placed[later].Coverage);
                int full = Cv2.CountNonZero(coverage), seen = Cv2.CountNonZero(visible);
                string className = SceneWorld.Classes[cls], colorName = SceneWorld.Colors[color];
                if (seen >= 40 && seen >= SceneGenerator.MinVisibleShare * full)
                    truths.Add(new ObjectTruth(k, className, colorName, BoxOf(visible, out var mask), mask));
                else if (seen > 0)
                {
                    unsureClasses.Add(className);
                    unsureColors.Add(colorName);
                }
            }
            if (options.CameraEffects)
                TestCamera.Apply(canvas, rng);
            var bgr = new byte[w * h * 3];
            canvas.GetArray(out Vec3b[] pixels);
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(pixels.AsSpan()).CopyTo(bgr);
            var questions = SceneQuestions.Ask(options.World, truths, unsureClasses, unsureColors, w, h, options.QuestionsPerFrame, new Random(Seed(seed, index, 2)));
            return new SceneFrame(w, h, bgr, truths.ToArray(), questions, unsureClasses.Except(truths.Select(t => t.Class)).Order(StringComparer.Ordinal).ToArray());
        }
        finally
        {
            backdrop.Dispose();
            foreach (var p in placed)
                p.Coverage.Dispose();
        }
    }

    /// <summary>
    /// Draws one object where it overlaps any placed one by at most a third of the smaller box and
    /// its color stands clearly apart from the background behind it; null after 30 failed tries.
    /// </summary>
    static (int Class, int Color, Rect Box, Mat Coverage)? Place(Mat canvas, Mat backdrop, Random rng, List<(int Class, int Color, Rect Box, Mat Coverage)> placed, (int[] Classes, int[] Colors) pools)
    {
        int w = canvas.Width, h = canvas.Height;
        for (int attempt = 0; attempt < 30; attempt++)
        {
            int cls = pools.Classes[rng.Next(pools.Classes.Length)], color = pools.Colors[rng.Next(pools.Colors.Length)];
            var sketch = Sketch.Of(cls, rng);
            // the longer side between a tenth and 0.38 of the frame height
            float longSide = (0.1f + (float)rng.NextDouble() * 0.28f) * h;
            float height = sketch.Aspect > 1 ? longSide / sketch.Aspect : longSide;
            float squash = 0.85f + (float)rng.NextDouble() * 0.25f, rotation = (float)(rng.NextDouble() - 0.5) * 0.3f;
            float halfW = height * sketch.Aspect * squash / 2 + 2, halfH = height / 2 + 2;
            float reach = MathF.Sqrt(halfW * halfW + halfH * halfH);
            float rx = Math.Min(reach, w / 2f - 1), ry = Math.Min(reach, h / 2f - 1);
            if (2 * halfW >= w || 2 * halfH >= h)
                continue;
            float cx = rx + (float)rng.NextDouble() * (w - 2 * rx), cy = ry + (float)rng.NextDouble() * (h - 2 * ry);
            var box = Rect.FromLTRB((int)(cx - reach), (int)(cy - reach), (int)(cx + reach) + 1, (int)(cy + reach) + 1) & new Rect(0, 0, w, h);
            var body = TestColors.Sample(color, rng);
            using (var behind = new Mat(backdrop, box))
                if (TestColors.Distance(body, Cv2.Mean(behind)) < 28)
                    continue;
            var coverage = new Mat(h, w, MatType.CV_8UC1, Scalar.All(0));
            var pose = new Painter.Pose(cx, cy, height, rotation, rng.Next(2) == 0, squash);
            using (var layer = canvas.Clone())
            {
                sketch.Paint(new Painter(layer, coverage, pose), body);
                var tight = Cv2.BoundingRect(coverage);
                if (tight.Width == 0 || placed.Any(p => Overlap(p.Box, tight) > 1f / 3))
                {
                    coverage.Dispose();
                    continue;
                }
                TestCamera.Shade(layer, coverage, tight, rng);
                layer.CopyTo(canvas, coverage);
                return (cls, color, tight, coverage);
            }
        }
        return null;
    }

    /// <summary>A 31-bit seed from (seed, index, stream): FNV-1a over their bytes (stable across processes, unlike HashCode).</summary>
    static int Seed(int seed, long index, int stream)
    {
        uint h = 2166136261;
        foreach (long v in new[] { seed, index, stream })
            for (int b = 0; b < 8; b++)
                h = (h ^ (byte)(v >> (8 * b))) * 16777619;
        return (int)(h & 0x7FFFFFFF);
    }

    static float Overlap(Rect a, Rect b)
    {
        var i = a & b;
        return i.Width <= 0 || i.Height <= 0 ? 0 : (float)(i.Width * i.Height) / Math.Min(a.Width * a.Height, b.Width * b.Height);
    }

    static PixelBox BoxOf(Mat visible, out ObjectMask mask)
    {
        var r = Cv2.BoundingRect(visible);
        using var roi = new Mat(visible, r);
        var inside = new byte[r.Width * r.Height];
        for (int y = 0; y < r.Height; y++)
            for (int x = 0; x < r.Width; x++)
                inside[y * r.Width + x] = roi.At<byte>(y, x) != 0 ? (byte)1 : (byte)0;
        mask = ObjectMask.Encode(inside);
        return new PixelBox(r.X, r.Y, r.Width, r.Height);
    }
}
