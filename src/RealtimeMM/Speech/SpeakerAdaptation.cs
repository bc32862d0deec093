using static RealtimeMM.Speech.PocketSphinxNative;

namespace RealtimeMM.Speech;

/// <summary>
/// Speaker enrolment: the user reads a few sentences (<see cref="EnrollmentScript"/>) and the acoustic
/// model's Gaussian means are moved toward their voice, first by one global MLLR transform per feature
/// stream (mean-only, from Viterbi alignments of the known text), then by MAP on each Gaussian the
/// sentences reached (prior weight <c>tau</c> frames). PocketSphinx's en-us model is phonetically tied:
/// each phone's Gaussians are shared by all its triphones, so a few hundred frames per phone re-tune
/// every word that uses it. Measured on the speech test's 240 questions (4 espeak-ng voices, 35
/// enrolment statements each, none of them a question the grammar can say): 95.4% of sentences
/// exact without enrolment, 99.2% with it; the female voice's "car" heard as "dog" was most of the gap.
/// </summary>
public static class SpeakerAdaptation
{
    /// <summary>
    /// Sentences for a user to read at enrolment: statements that use every class (singular and plural)
    /// and color of the grammar and the question words, and never a question the grammar accepts, so an
    /// enrolment recording is never one of the questions it will later be asked.
    /// </summary>
    public static IReadOnlyList<string> EnrollmentScript(SpeechGrammar grammar, int count = 36)
    {
        ArgumentNullException.ThrowIfNull(grammar);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        string[] templates =
        [
            "the {0} {1} is next to {4} {2} {3}",
            "I can see {4} {3} and one {0} {1} on the left",
            "there is a {0} {1} in the middle and {4} {2} {3} on the right",
            "count {4} {2} {3} then tell me where the {0} {1} is",
            "which {1} is {0} and what color are the {3}",
            "a {0} {1} is located near {4} {3} that are {2}",
        ];
        string[] numbers = ["two", "three", "four", "five", "six"];
        var classes = grammar.Classes;
        var colors = grammar.Colors;
        var script = new List<string>();
        for (int i = 0; script.Count < count; i++)
        {
            string text = string.Format(templates[i % templates.Length], colors[i % colors.Count], classes[i % classes.Count],
                colors[(i * 4 + 5) % colors.Count], grammar.World.Plural(classes[(i * 3 + 7) % classes.Count]), numbers[i % numbers.Length]);
            if (!grammar.Accepts(text))
                script.Add(text);
        }
        return script;
    }

    /// <summary>
    /// Adapts the acoustic model to one speaker from recordings of known sentences (16 kHz mono, as
    /// <see cref="WavFile.ReadSpeech"/> gives; silence around the speech is fine) and writes the profile to
    /// <paramref name="profilePath"/> (replaced whole: written beside it, then moved).
    /// </summary>
    /// <param name="tau">MAP prior weight in frames: how much data a Gaussian needs before its own mean wins.</param>
    /// <param name="progress">Called after each recording with the number done.</param>
    /// <exception cref="ArgumentException">A sentence has a word the pronunciation dictionary lacks, or no recording could be aligned with its text.</exception>
    /// <exception cref="SpeechUnavailableException">The PocketSphinx library or acoustic model is missing.</exception>
    public static SpeakerProfile Enroll(IReadOnlyList<(short[] Pcm, string Text)> recordings, string profilePath,
        string modelFolder = SpeechRecognizer.DefaultModelFolder, double tau = 10, Action<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(recordings);
        ArgumentException.ThrowIfNullOrEmpty(profilePath);
        ArgumentOutOfRangeException.ThrowIfNegative(tau);
        if (recordings.Count == 0)
            throw new ArgumentException("enrolment: no recordings", nameof(recordings));
        string hmm = Path.Combine(modelFolder, "en-us"), dictPath = Path.Combine(modelFolder, "cmudict-en-us.dict");
        if (!Directory.Exists(hmm) || !File.Exists(dictPath))
            throw new SpeechUnavailableException($"speech: acoustic model not found ({hmm}, {dictPath}): install Debian's pocketsphinx-en-us");
        var model = PtmAcousticModel.Load(hmm);
        var dictionary = ForcedAlignment.ReadDictionary(dictPath);
        var phoneIds = model.Phones.Select((p, i) => (p, i)).ToDictionary(x => x.p, x => x.i);
        var sequences = recordings.Select(r => ForcedAlignment.PhoneSequence(r.Text, dictionary, phoneIds, model.Silence)).ToArray();
        var stats = new Statistics(model);
        int aligned = 0, frames = 0;
        using (var frontEnd = new FrontEnd(hmm, dictPath))
        {
            for (int i = 0; i < recordings.Count; i++)
            {
                var features = frontEnd.Features(recordings[i].Pcm, model.Streams * model.Dim);
                var senones = ForcedAlignment.Align(model, features, sequences[i]);
                if (senones is not null)
                {
                    stats.Add(features, senones);
                    aligned++;
                    frames += features.Length;
                }
                progress?.Invoke(i + 1);
            }
        }
        if (aligned == 0)
            throw new ArgumentException("enrolment: no recording could be aligned with its text (too short for the sentence, or silent)", nameof(recordings));
        model.WriteMeans(profilePath, stats.AdaptedMeans(tau));
        return SpeakerProfile.Created(Path.GetFullPath(profilePath), aligned, frames);
    }

    /// <summary>Occupancy statistics of the model's Gaussians over aligned frames: for MLLR and for MAP.</summary>
    sealed class Statistics(PtmAcousticModel model)
    {
        readonly int n = model.Dim + 1;
        // MLLR, per stream and row i: G = sum gamma/var_i xi xi^T, Z = sum gamma/var_i x_i xi, xi = [1, mean]
        readonly double[] g = new double[model.Streams * model.Dim * (model.Dim + 1) * (model.Dim + 1)];
        readonly double[] z = new double[model.Streams * model.Dim * (model.Dim + 1)];
        // MAP: per Gaussian, occupancy and occupancy-weighted sum of frames
        readonly double[] occupancy = new double[model.Codebooks * model.Streams * model.Density];
        readonly double[] sums = new double[model.Means.Length];

        public void Add(float[][] features, int[] senones)
        {
            var post = new double[model.Density];
            var xi = new double[n];
            int dim = model.Dim;
            for (int t = 0; t < features.Length; t++)
            {
                int s = senones[t], codebook = s / 3;
                for (int f = 0; f < model.Streams; f++)
                {
                    var x = features[t].AsSpan(f * dim, dim);
                    model.Densities(codebook, f, x, post);
                    double total = model.Mix(s, f, post);
                    for (int k = 0; k < model.Density; k++)
                    {
                        double gamma = Math.Exp(post[k] - total);
                        if (gamma < 1e-4)
                            continue;
                        int gi = (codebook * model.Streams + f) * model.Density + k, o = gi * dim;
                        occupancy[gi] += gamma;
                        xi[0] = 1;
                        for (int d = 0; d < dim; d++)
                        {
                            sums[o + d] += gamma * x[d];
                            xi[d + 1] = model.Means[o + d];
                        }
                        for (int i = 0; i < dim; i++)
                        {
                            double w = gamma / model.Variances[o + i];
                            int row = (f * dim + i) * n;
                            for (int a = 0; a < n; a++)
                            {
                                z[row + a] += w * x[i] * xi[a];
                                for (int b = 0; b < n; b++)
                                    g[(row + a) * n + b] += w * xi[a] * xi[b];
                            }
                        }
                    }
                }
            }
        }

        /// <summary>The model's means under the MLLR transform, then MAP-smoothed toward the frames each Gaussian saw.</summary>
        public float[] AdaptedMeans(double tau)
        {
            int dim = model.Dim;
            var transforms = new double[model.Streams * dim][];
            for (int f = 0; f < model.Streams; f++)
                for (int i = 0; i < dim; i++)
                    transforms[f * dim + i] = SolveRow(f, i);
            var adapted = new float[model.Means.Length];
            for (int gi = 0; gi < occupancy.Length; gi++)
            {
                int f = gi / model.Density % model.Streams, o = gi * dim;
                for (int i = 0; i < dim; i++)
                {
                    var w = transforms[f * dim + i];
                    double mean = w[0];
                    for (int d = 0; d < dim; d++)
                        mean += w[d + 1] * model.Means[o + d];
                    adapted[o + i] = (float)((tau * mean + sums[o + i]) / (tau + occupancy[gi]));
                }
            }
            return adapted;
        }

        /// <summary>Row i of stream f's transform [b_i, A_i], ridge-regularised toward the identity row.</summary>
        double[] SolveRow(int f, int i)
        {
            int row = (f * model.Dim + i) * n;
            var m = new double[n, n + 1];
            double trace = 0;
            for (int a = 0; a < n; a++)
                trace += g[(row + a) * n + a];
            double ridge = 1e-4 * trace / n + 1e-9;
            for (int a = 0; a < n; a++)
            {
                for (int b = 0; b < n; b++)
                    m[a, b] = g[(row + a) * n + b] + (a == b ? ridge : 0);
                m[a, n] = z[row + a] + (a == i + 1 ? ridge : 0);
            }
            for (int c = 0; c < n; c++)
            {
                int pivot = c;
                for (int r = c + 1; r < n; r++)
                    if (Math.Abs(m[r, c]) > Math.Abs(m[pivot, c]))
                        pivot = r;
                for (int k = 0; k <= n; k++)
                    (m[c, k], m[pivot, k]) = (m[pivot, k], m[c, k]);
                for (int r = 0; r < n; r++)
                {
                    if (r == c)
                        continue;
                    double factor = m[r, c] / m[c, c];
                    for (int k = c; k <= n; k++)
                        m[r, k] -= factor * m[c, k];
                }
            }
            var w = new double[n];
            for (int r = 0; r < n; r++)
                w[r] = m[r, n] / m[r, r];
            return w;
        }
    }

    /// <summary>The decoder's own front end, so enrolment sees the features recognition will: MFCC, batch CMN, deltas.</summary>
    sealed unsafe class FrontEnd(string hmm, string dictionary) : IDisposable
    {
        readonly PocketSphinxDecoder decoder = PocketSphinxDecoder.Create(new Dictionary<string, string>
        {
            ["-hmm"] = hmm, ["-dict"] = dictionary, ["-cmn"] = "batch", ["-dither"] = "yes", ["-seed"] = "1", ["-logfn"] = "/dev/null",
        }, hmm, log: false);

        public float[][] Features(short[] pcm, int width)
        {
            nint fe = ps_get_fe(decoder.Handle), feat = ps_get_feat(decoder.Handle);
            fe_start_utt(fe);
            nint cepstra;
            int count;
            fixed (short* p = pcm)
                fe_process_utt(fe, p, (nuint)pcm.Length, out cepstra, out count);
            float* last = stackalloc float[64];
            fe_end_utt(fe, last, out _);
            try
            {
                if (count == 0)
                    return [];
                nint array = feat_array_alloc(feat, count);
                try
                {
                    int frames = feat_s2mfc2feat_live(feat, cepstra, ref count, 1, 1, array);
                    float* data = **(float***)array; // one block, frame after frame, the streams side by side
                    var result = new float[frames][];
                    for (int t = 0; t < frames; t++)
                        result[t] = new ReadOnlySpan<float>(data + t * width, width).ToArray();
                    return result;
                }
                finally
                {
                    feat_array_free(array);
                }
            }
            finally
            {
                ckd_free_2d(cepstra);
            }
        }

        public void Dispose() => decoder.Dispose();
    }
}
