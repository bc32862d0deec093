using RealtimeMM.Bundle;
using RealtimeMM.Fusion;

namespace RealtimeMM.Answering;

/// <summary>
/// A binary logistic regression on standardised features, class-balanced, with an L2 penalty,
/// fitted by Adam on the full batch: what the in-world model (<see cref="InWorldModel"/>) is, and
/// what the measurements probe features with. Small data only (thousands of rows, hundreds of features).
/// </summary>
/// <param name="Mean">Per feature, subtracted before weighting.</param>
/// <param name="Scale">Per feature, divided by before weighting.</param>
public sealed record LogisticRegression(float[] Mean, float[] Scale, float[] Weights, float Bias)
{
    public double Logit(ReadOnlySpan<float> x)
    {
        double z = Bias;
        for (int j = 0; j < Weights.Length; j++)
            z += Weights[j] * (x[j] - Mean[j]) / Scale[j];
        return z;
    }

    /// <summary>Fits the rows <paramref name="x"/> to the labels <paramref name="y"/> (each class weighs half, however many rows it has).</summary>
    public static LogisticRegression Fit(IReadOnlyList<float[]> x, IReadOnlyList<bool> y, int steps = 600, double l2 = 1e-3, double rate = 0.05)
    {
        int n = x.Count, d = x[0].Length, positives = y.Count(v => v);
        if (positives == 0 || positives == n)
            throw new ArgumentException($"a logistic regression needs rows of both labels; {positives} of {n} are positive", nameof(y));
        var mean = new float[d];
        var scale = new float[d];
        for (int j = 0; j < d; j++)
        {
            double m = x.Average(v => v[j]);
            mean[j] = (float)m;
            scale[j] = (float)Math.Max(1e-6, Math.Sqrt(x.Average(v => (v[j] - m) * (v[j] - m))));
        }
        var z = x.Select(v => v.Select((f, j) => (double)(f - mean[j]) / scale[j]).ToArray()).ToArray();
        double wPos = 0.5 / positives, wNeg = 0.5 / (n - positives);
        var w = new double[d + 1];
        var m1 = new double[d + 1];
        var m2 = new double[d + 1];
        for (int step = 1; step <= steps; step++)
        {
            var grad = new double[d + 1];
            for (int i = 0; i < n; i++)
            {
                double logit = w[d];
                for (int j = 0; j < d; j++)
                    logit += w[j] * z[i][j];
                double err = (1 / (1 + Math.Exp(-logit)) - (y[i] ? 1 : 0)) * (y[i] ? wPos : wNeg);
                for (int j = 0; j < d; j++)
                    grad[j] += err * z[i][j];
                grad[d] += err;
            }
            for (int j = 0; j <= d; j++)
            {
                double g = grad[j] + (j < d ? l2 * w[j] : 0);
                m1[j] = 0.9 * m1[j] + 0.1 * g;
                m2[j] = 0.999 * m2[j] + 0.001 * g * g;
                w[j] -= rate * (m1[j] / (1 - Math.Pow(0.9, step))) / (Math.Sqrt(m2[j] / (1 - Math.Pow(0.999, step))) + 1e-8);
            }
        }
        return new(mean, scale, w.Take(d).Select(v => (float)v).ToArray(), (float)w[d]);
    }
}
