using OpenCvSharp;

namespace RealtimeMM.Scenes.TestWorld;

/// <summary>
/// The test world's drawing of one object: its width over height, and how to paint it with a body
/// color. Every class has two or three variants whose proportions vary per object; none shares a
/// shape with the training generator's silhouettes (<see cref="ClassShapes"/>): outlines, glass,
/// tyres, skin, seams and faces are this renderer's own.
/// </summary>
internal sealed record Sketch(float Aspect, Action<Painter, Scalar> Paint)
{
    static readonly Scalar Tyre = new(28, 28, 30), Hub = new(185, 188, 190), Glass = new(210, 192, 168), DarkGlass = new(90, 80, 70),
        Lamp = new(160, 232, 250), Ink = new(20, 20, 20);

    static readonly Scalar[] Skins = [new(150, 182, 226), new(112, 150, 200), new(74, 104, 150), new(58, 78, 108)];

    static float U(Random rng, float a, float b) => a + (float)rng.NextDouble() * (b - a);

    /// <summary>A drawing of class <paramref name="classIndex"/> (SceneWorld.Classes order), its variant and proportions drawn from <paramref name="rng"/>.</summary>
    public static Sketch Of(int classIndex, Random rng) => SceneWorld.Classes[classIndex] switch
    {
        "car" => Car(rng),
        "truck" => Truck(rng),
        "bus" => Bus(rng),
        "bicycle" => Bicycle(rng),
        "person" => Person(rng),
        "dog" => Dog(rng),
        "ball" => Ball(rng),
        "box" => Box(rng),
        "tree" => Tree(rng),
        "house" => House(rng),
        var c => throw new NotSupportedException($"the test world has no drawing of '{c}'"),
    };

    static void Wheel(Painter p, float x, float y, float r)
    {
        p.Circle(Tyre, x, y, r);
        p.Circle(Hub, x, y, r * 0.45f);
    }

    static Sketch Car(Random rng)
    {
        float a = U(rng, 1.9f, 2.4f), w = a / 2, wr = U(rng, 0.15f, 0.2f), roof = U(rng, -0.5f, -0.46f);
        bool hatch = rng.Next(2) == 0;
        return new(a, (p, c) =>
        {
            p.Outline = 1;
            p.RoundRect(c, -w, -0.08f, w, 0.5f - wr * 0.5f, 0.1f);
            if (hatch)
                p.Polygon(c, -w * 0.82f, -0.06f, -w * 0.7f, roof, w * 0.18f, roof, w * 0.5f, -0.06f);
            else
                p.Polygon(c, -w * 0.55f, -0.06f, -w * 0.32f, roof, w * 0.22f, roof, w * 0.55f, -0.06f);
            p.Outline = 0;
            float x0 = hatch ? -w * 0.66f : -w * 0.42f;
            p.Polygon(Glass, x0, -0.1f, x0 + w * 0.08f, roof + 0.07f, -w * 0.05f, roof + 0.07f, -w * 0.05f, -0.1f);
            p.Polygon(Glass, w * 0.02f, -0.1f, w * 0.02f, roof + 0.07f, w * 0.17f, roof + 0.07f, w * 0.42f, -0.1f);
            p.Ellipse(Lamp, w - 0.06f, 0.06f, 0.05f, 0.035f);
            p.Stroke(Painter.Darker(c, 0.6), 0.015f, -w * 0.1f, 0.02f, -w * 0.1f, 0.3f);
            Wheel(p, -w * 0.6f, 0.5f - wr, wr);
            Wheel(p, w * 0.6f, 0.5f - wr, wr);
        });
    }

    static Sketch Truck(Random rng)
    {
        float a = U(rng, 2.2f, 2.7f), w = a / 2, wr = U(rng, 0.14f, 0.17f);
        bool tanker = rng.Next(2) == 0;
        return new(a, (p, c) =>
        {
            p.Rect(Tyre, -w, 0.24f, w * 0.95f, 0.32f); // chassis
            p.Outline = 1;
            if (tanker)
                p.RoundRect(c, -w, -0.36f, w * 0.42f, 0.26f, 0.28f);
            else
                p.Rect(c, -w, -0.5f, w * 0.42f, 0.26f);
            p.RoundRect(c, w * 0.47f, -0.34f, w, 0.3f, 0.07f);
            p.Outline = 0;
            p.Polygon(Glass, w * 0.6f, -0.26f, w * 0.86f, -0.26f, w * 0.95f, -0.04f, w * 0.6f, -0.04f);
            if (!tanker)
                for (int k = 1; k < 4; k++)
                    p.Stroke(Painter.Darker(c, 0.7), 0.012f, -w + k * w * 0.35f, -0.46f, -w + k * w * 0.35f, 0.22f);
            Wheel(p, -w * 0.72f, 0.5f - wr, wr);
            Wheel(p, -w * 0.36f, 0.5f - wr, wr);
            Wheel(p, w * 0.74f, 0.5f - wr, wr);
        });
    }

    static Sketch Bus(Random rng)
    {
        bool decker = rng.Next(3) == 0;
        float a = decker ? U(rng, 1.9f, 2.3f) : U(rng, 2.7f, 3.3f), w = a / 2, wr = U(rng, 0.12f, 0.15f);
        int windows = decker ? 4 : 5 + rng.Next(2);
        return new(a, (p, c) =>
        {
            p.Outline = 1;
            p.RoundRect(c, -w, -0.5f, w, 0.5f - wr * 0.7f, 0.09f);
            p.Outline = 0;
            float step = (2 * w - 0.5f) / windows;
            foreach (float top in decker ? new[] { -0.42f, -0.08f } : [-0.36f])
                for (int k = 0; k < windows; k++)
                    p.RoundRect(Glass, -w + 0.1f + k * step, top + 0.02f, -w + 0.08f + (k + 1) * step - 0.07f, top + 0.18f, 0.03f);
            p.Rect(DarkGlass, w - 0.36f, decker ? 0.18f : -0.36f, w - 0.18f, 0.36f); // door
            p.Rect(Painter.Darker(c, 1.18), -w + 0.02f, decker ? 0.2f : 0.0f, w - 0.4f, decker ? 0.26f : 0.06f);
            Wheel(p, -w * 0.62f, 0.5f - wr, wr);
            Wheel(p, w * 0.5f, 0.5f - wr, wr);
        });
    }

    static Sketch Bicycle(Random rng)
    {
        float a = U(rng, 1.55f, 1.8f), w = a / 2, r = U(rng, 0.25f, 0.29f), frame = U(rng, 0.07f, 0.09f);
        return new(a, (p, c) =>
        {
            float y = 0.5f - r - 0.02f, rx = -w + r + 0.02f, fx = w - r - 0.02f;
            foreach (float x in new[] { rx, fx })
            {
                p.Ring(Tyre, x, y, r, 0.045f);
                p.Circle(Hub, x, y, 0.035f);
            }
            float bx = rx + (fx - rx) * 0.45f, seatX = rx + (fx - rx) * 0.33f, seatY = -0.22f, headX = fx - (fx - rx) * 0.15f, headY = -0.26f;
            p.Stroke(c, frame, rx, y, seatX, seatY, bx, y, rx, y);
            p.Stroke(c, frame, seatX, seatY, headX, headY, bx, y);
            p.Stroke(c, frame, headX, headY, fx, y);
            p.Stroke(c, frame * 0.8f, headX, headY, headX - 0.04f, -0.4f);
            p.Stroke(Tyre, 0.045f, headX - 0.12f, -0.42f, headX + 0.04f, -0.4f);
            p.Stroke(c, frame * 0.8f, seatX, seatY, seatX - 0.03f, -0.36f);
            p.Ellipse(Tyre, seatX - 0.04f, -0.38f, 0.09f, 0.03f);
        });
    }

    static Sketch Person(Random rng)
    {
        float a = U(rng, 0.36f, 0.46f), w = a / 2, stride = rng.Next(2) == 0 ? 0 : U(rng, 0.05f, 0.1f);
        var skin = Skins[rng.Next(Skins.Length)];
        bool dress = rng.Next(4) == 0;
        return new(a, (p, c) =>
        {
            var legs = dress ? skin : Painter.Darker(c, 0.92);
            p.Stroke(legs, 0.085f, -0.05f, 0.1f, -0.05f - stride, 0.45f);
            p.Stroke(legs, 0.085f, 0.05f, 0.1f, 0.05f + stride, 0.45f);
            p.Ellipse(Ink, -0.06f - stride, 0.465f, 0.06f, 0.03f);
            p.Ellipse(Ink, 0.06f + stride, 0.465f, 0.06f, 0.03f);
            p.Stroke(c, 0.07f, -w + 0.05f, -0.26f, -w + 0.03f, 0.05f);
            p.Stroke(c, 0.07f, w - 0.05f, -0.26f, w - 0.03f, 0.05f);
            p.Outline = 1;
            if (dress)
                p.Polygon(c, -0.12f, -0.3f, 0.12f, -0.3f, 0.2f, 0.2f, -0.2f, 0.2f);
            else
                p.RoundRect(c, -0.13f, -0.3f, 0.13f, 0.14f, 0.05f);
            p.Outline = 0;
            p.Circle(skin, 0, -0.4f, 0.1f);
            p.Ellipse(Ink, 0, -0.43f, 0.105f, 0.07f, MathF.PI, 2 * MathF.PI); // hair
        });
    }

    static Sketch Dog(Random rng)
    {
        float a = U(rng, 1.3f, 1.6f), w = a / 2, tail = U(rng, -0.45f, -0.2f);
        bool pointy = rng.Next(2) == 0;
        return new(a, (p, c) =>
        {
            var shade = Painter.Darker(c, 0.8);
            foreach (float x in new[] { -w * 0.6f, -w * 0.38f, w * 0.2f, w * 0.4f })
                p.Stroke(x is < -0.3f or > 0.3f ? c : shade, 0.075f, x, 0.05f, x + 0.02f, 0.46f);
            p.Stroke(c, 0.05f, -w * 0.75f, -0.05f, -w * 0.9f, tail);
            p.Outline = 1;
            p.Ellipse(c, -0.02f, 0.02f, w * 0.62f, 0.17f);
            p.Circle(c, w * 0.62f, -0.2f, 0.14f);
            p.Outline = 0;
            p.Ellipse(c, w * 0.8f, -0.15f, 0.12f, 0.07f);
            if (pointy)
                p.Polygon(shade, w * 0.52f, -0.28f, w * 0.58f, -0.48f, w * 0.68f, -0.3f);
            else
                p.Ellipse(shade, w * 0.5f, -0.2f, 0.05f, 0.12f);
            p.Circle(Ink, w * 0.92f, -0.17f, 0.03f);
            p.Circle(Ink, w * 0.66f, -0.24f, 0.022f);
        });
    }

    static Sketch Ball(Random rng)
    {
        int style = rng.Next(3);
        return new(1, (p, c) =>
        {
            p.Outline = 1;
            p.Circle(c, 0, 0, 0.5f);
            p.Outline = 0;
            p.Circle(Painter.Mix(c, new Scalar(255, 255, 255), 0.25), -0.17f, -0.17f, 0.13f);
            var line = Painter.Darker(c, 0.55);
            if (style == 0) // tennis-ball seams
            {
                p.Stroke(line, 0.03f, -0.42f, -0.25f, -0.2f, -0.05f, -0.2f, 0.1f, -0.42f, 0.28f);
                p.Stroke(line, 0.03f, 0.42f, -0.28f, 0.2f, -0.1f, 0.2f, 0.05f, 0.42f, 0.25f);
            }
            else if (style == 1) // basketball ribs
            {
                p.Stroke(line, 0.025f, -0.49f, 0, 0.49f, 0);
                p.Stroke(line, 0.025f, 0, -0.49f, 0, 0.49f);
                p.Stroke(line, 0.025f, -0.3f, -0.4f, -0.15f, 0, -0.3f, 0.4f);
                p.Stroke(line, 0.025f, 0.3f, -0.4f, 0.15f, 0, 0.3f, 0.4f);
            }
        });
    }

    static Sketch Box(Random rng)
    {
        float depth = U(rng, 0.18f, 0.3f), a = U(rng, 0.95f, 1.25f), w = a / 2;
        bool tape = rng.Next(2) == 0;
        return new(a, (p, c) =>
        {
            float fx1 = w - depth, fy0 = -0.5f + depth;
            p.Outline = 1;
            p.Rect(c, -w, fy0, fx1, 0.5f);
            p.Polygon(Painter.Mix(c, new Scalar(255, 255, 255), 0.18), -w, fy0, -w + depth, -0.5f, w, -0.5f, fx1, fy0);
            p.Polygon(Painter.Darker(c, 0.72), fx1, fy0, w, -0.5f, w, 0.5f - depth, fx1, 0.5f);
            p.Outline = 0;
            if (tape)
            {
                float mid = (-w + fx1) / 2;
                p.Polygon(Painter.Mix(c, new Scalar(120, 170, 200), 0.35), mid - 0.04f, fy0, mid + 0.04f, fy0, mid + 0.04f + depth, -0.5f, mid - 0.04f + depth, -0.5f);
                p.Rect(Painter.Mix(c, new Scalar(120, 170, 200), 0.35), mid - 0.04f, fy0, mid + 0.04f, fy0 + 0.18f);
            }
        });
    }

    static Sketch Tree(Random rng)
    {
        bool conifer = rng.Next(3) == 0;
        float a = conifer ? U(rng, 0.55f, 0.7f) : U(rng, 0.75f, 0.95f), w = a / 2;
        var blobs = Enumerable.Range(0, 6).Select(_ => (X: U(rng, -w + 0.2f, w - 0.2f), Y: U(rng, -0.3f, -0.05f), R: U(rng, 0.16f, 0.22f), S: U(rng, 0.85f, 1.12f))).ToArray();
        return new(a, (p, c) =>
        {
            var trunk = Painter.Darker(c, 0.5);
            if (conifer)
            {
                p.Rect(trunk, -0.05f, 0.3f, 0.05f, 0.5f);
                for (int k = 0; k < 3; k++)
                {
                    float top = -0.5f + k * 0.22f, bottom = top + 0.42f, half = w * (0.6f + 0.2f * k);
                    p.Polygon(Painter.Darker(c, 0.9 + 0.08 * k), -half, bottom, 0, top, half, bottom);
                }
                return;
            }
            p.Polygon(trunk, -0.07f, 0.5f, -0.045f, 0.05f, 0.045f, 0.05f, 0.07f, 0.5f);
            p.Stroke(trunk, 0.04f, 0, 0.15f, w * 0.4f, -0.05f);
            p.Circle(c, 0, -0.26f, 0.24f);
            foreach (var (x, y, r, s) in blobs)
                p.Circle(Painter.Darker(c, s), x, Math.Max(y, -0.5f + r), r);
        });
    }

    static Sketch House(Random rng)
    {
        float a = U(rng, 0.9f, 1.2f), w = a / 2, eaves = U(rng, -0.12f, -0.02f);
        bool chimney = rng.Next(2) == 0;
        return new(a, (p, c) =>
        {
            var roof = Painter.Darker(c, 0.8);
            if (chimney)
                p.Rect(roof, w * 0.4f, -0.42f, w * 0.58f, -0.15f);
            p.Outline = 1;
            p.Rect(c, -w * 0.85f, eaves, w * 0.85f, 0.5f);
            p.Polygon(roof, -w, eaves + 0.02f, 0, -0.5f, w, eaves + 0.02f);
            p.Outline = 0;
            p.Rect(DarkGlass, -0.07f, 0.22f, 0.07f, 0.5f);
            foreach (float x in new[] { -w * 0.55f, w * 0.55f })
            {
                p.Rect(new Scalar(235, 235, 235), x - 0.1f, eaves + 0.12f, x + 0.1f, eaves + 0.3f);
                p.Rect(Glass, x - 0.08f, eaves + 0.14f, x + 0.08f, eaves + 0.28f);
            }
        });
    }
}
