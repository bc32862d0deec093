#version 450
// fusion_block.comp: the whole fusion stack for one question per workgroup, in one dispatch: for each
// layer self-attention over the question, cross-attention over the image tokens, the MLP (pre-norm,
// residual), then the final norm and the answer head on [CLS]. The same steps as FusionReference.Run,
// including its shortcuts: only the real tokens are computed when they come first (padding is masked as
// a key, so it never reaches them), and the last layer after its self-attention keys carries [CLS] alone.
// A lone question used to be a chain of ~30 small dispatches with a barrier after each, which a GPU
// runs latency-bound; here the steps are separated by workgroup barriers inside one dispatch.
// The image keys and values (per frame, shared by the questions) come from fusion_linear dispatches
// recorded before this one, for every layer: unlike the C# reference, whose last layer attends over the
// image tokens themselves (W_k^T q scores them, W_v applies once to their weighted sum), which halves a
// CPU's work per frame but would make this one-workgroup block read Dim instead of Dim / heads floats
// per key and head; on a GPU the projection is wide dispatches side by side. Same result up to rounding.
//
// Bindings (set 0):
//   0  readonly Weights { float w[]; }  packed by VulkanFusion: norms as (weight, bias); the linears this
//                                       kernel applies transposed, (in, out) row-major, so neighbouring
//                                       threads read neighbouring weights
//   1  coherent Work    { float v[]; }  activations; per question n: x, a, q, k, v, ctx at
//                                       (n * maxTokens) * dim, hidden at n * maxTokens * ff, scores at
//                                       n * maxTokens * heads * max(maxTokens, imageTokens), cls and h1 at
//                                       n * dim, logits at n * answers, [CLS] attention at
//                                       n * layers * heads * imageTokens (layer, head, token)
//   2  readonly Layout  { int at[]; }   weight offsets: per layer LAYER_INTS (see the L_ constants), then
//                                       final norm (w, b), head 1 (w, b), head 2 (w, b)
//   3  readonly Frame   { vec4 f4[]; }  the same buffer as Work, for the image keys and values at `keys` and
//                                       `values` (+ layer * kvStride), which earlier dispatches wrote: read-only
//                                       here, so they may be cached where Work's coherent reads are not, and
//                                       read four floats at a time (the offsets are multiples of 4)
// Push constants (96 bytes, mirrored by BlockPush in VulkanFusion.cs): see below.
// Specialization constants: 0 THREADS, the workgroup size (VulkanFusion takes up to 1024, as the device
// allows: a lone question is one workgroup, so its threads are all the parallelism there is); 1
// QUERY_FLOATS, the shared floats that stage a linear's input rows (at least one) or an attention's query
// rows (read from Work when a round's rows do not fit); 2 DIM_PER_LANE, 3 KEYS_PER_LANE and 4 HEAD_DIM
// size the register arrays and the unrolled loops (see their declarations).
// What costs for a lone question is latency, not arithmetic: each thread's chain of loads that wait on
// one another. So every loop over memory issues its loads together (weights BATCH at a time, a head's
// keys as vec4s, a softmax row's scores held in registers), and the steps meet at workgroup barriers.
// Workgroup: THREADS x 1 (a multiple of 32); dispatch (questions, 1, 1). Sums run in another order than
// the C# reference's: the tests bound the difference (logits 1e-3, attention 1e-4).
layout(local_size_x_id = 0, local_size_y = 1, local_size_z = 1) in;
layout(constant_id = 0) const int THREADS = 256;
layout(constant_id = 1) const int QUERY_FLOATS = 3072;
layout(constant_id = 2) const int DIM_PER_LANE = 4;  // ceil(dim / LANES): a norm's row values a lane keeps
layout(constant_id = 3) const int KEYS_PER_LANE = 9; // ceil(max(imageTokens, maxTokens) / LANES): a softmax row's scores a lane keeps
layout(constant_id = 4) const int HEAD_DIM = 32;     // dim / heads, a multiple of 4
// LOOPS: on a CPU device (BATCH == 1) the register loops run to bounds the compiler cannot see, so
// they stay loops; on a GPU their bounds are these constants and they unroll.
layout(constant_id = 6) const int BATCH = 8;         // loads a thread issues before it uses any of them (1 on CPU devices:
                                                     // unrolled bodies cost lavapipe's compiler minutes and a CPU nothing)
layout(constant_id = 7) const int ROWS_AT_ONCE = 8;  // rows one weight read serves (1 on CPU devices, as BATCH)
layout(constant_id = 5) const int RED_FLOATS = 1024; // shared floats for reductions, a multiple of THREADS (ROWS_AT_ONCE x THREADS where it fits)

layout(std430, set = 0, binding = 0) readonly buffer Weights { float w[]; };
layout(std430, set = 0, binding = 1) coherent buffer Work { float v[]; };
layout(std430, set = 0, binding = 2) readonly buffer Layout { int at[]; };
layout(std430, set = 0, binding = 3) readonly buffer Frame { vec4 f4[]; };

layout(push_constant) uniform Push {
    int dim; int heads; int ff; int answers;
    int layers; int maxTokens; int imageTokens; int head1Out;
    int keys; int values; int kvStride; int mask;
    int x; int a; int q; int k;
    int val; int ctx; int hidden; int scores;
    int cls; int h1; int logits; int attn;
} pc;

const int LAYER_INTS = 22;
const int L_LN_SELF = 0, L_SQ = 2, L_SK = 4, L_SV = 6, L_SO = 8, L_LN_CROSS = 10, L_CQ = 12, L_CO = 14, L_LN_MLP = 16, L_FC1 = 18, L_FC2 = 20;
const int MODE_STORE = 0, MODE_RELU = 1, MODE_ADD = 2;
const float MASKED = -1e4;
const int LANES = 32;       // threads per row in norms and softmaxes

shared float red[RED_FLOATS];
shared float query[QUERY_FLOATS];
shared int realRows;

void sync() {
    memoryBarrierBuffer();
    memoryBarrierShared();
    barrier();
}

// Sum (or max) of s over each group of LANES consecutive threads; every thread gets its group's result.
// Every thread of the workgroup must call it (it has barriers).
float groupReduce(float s, bool isMax) {
    int t = int(gl_LocalInvocationID.x), first = t - t % LANES;
    red[t] = s;
    barrier();
    if (BATCH == 1) {
        // a CPU device: a tree of barriers, which lavapipe compiles in a fraction of the unrolled loop's time
        for (int stride = LANES / 2; stride > 0; stride >>= 1) {
            if (t - first < stride) red[t] = isMax ? max(red[t], red[t + stride]) : red[t] + red[t + stride];
            barrier();
        }
    }
    float total = red[first];
    if (BATCH > 1) // a GPU: every lane reads its group's LANES values, one barrier instead of five
        for (int l = 1; l < LANES; l++) total = isMax ? max(total, red[first + l]) : total + red[first + l];
    barrier();
    return total;
}

// Stages `count` rows of `width` floats of Work (row r at from + r * stride) in shared memory when they fit;
// says whether (uniform). Barriers before (a previous stage may still be read) and after.
bool stage(int from, int stride, int count, int width) {
    bool staged = count * width <= QUERY_FLOATS;
    sync();
    if (staged)
        for (int i = int(gl_LocalInvocationID.x); i < count * width; i += THREADS) query[i] = v[from + (i / width) * stride + i % width];
    sync();
    return staged;
}

// The part [first, end) of `count` items that slice g of `slices` takes (empty for g >= slices).
ivec2 sliceOf(int count, int g, int slices) {
    int chunk = (count + slices - 1) / slices;
    int first = g < slices ? min(count, g * chunk) : count;
    return ivec2(first, min(count, first + chunk));
}

// After each thread t wrote its partial sum at red[p * THREADS + t] (pass-local item p, column t % span,
// slice t / span): the total of item k / span's column k % span over the slices.
float slicesTotal(int k, int span, int slices) {
    int at0 = (k / span) * THREADS + k % span;
    float s = 0.0;
    for (int g = 0; g < slices; g++) s += red[at0 + g * span];
    return s;
}

// y[r] (+)= x[r] W^T + b for r < rows; WT at `wt` is (inDim, outDim) row-major. A lone question's work is
// one workgroup, so what costs is each thread's chain of loads that wait on each other: thread t owns
// output column o and a slice of the inputs (THREADS / outDim slices), reads its weights BATCH at a
// time (neighbouring threads, neighbouring columns), applies each to ROWS_AT_ONCE rows (staged in shared
// memory), and the slices' partial sums meet in shared memory.
void linear(int xAt, int xStride, int rows, int inDim, int outDim, int wt, int bias, int yAt, int yStride, int mode) {
    int t = int(gl_LocalInvocationID.x);
    for (int o0 = 0; o0 < outDim; o0 += THREADS) {
        int span = min(outDim - o0, THREADS);
        int slices = THREADS / span; // uniform
        int col = t % span, g = t / span, o = o0 + col;
        ivec2 part = sliceOf(inDim, g, slices);
        int i0 = part.x, i1 = part.y;
        // the rows go through shared memory ROWS_AT_ONCE at a time, or as many as fit (VulkanFusion makes
        // room for one at least)
        int step = min(ROWS_AT_ONCE, QUERY_FLOATS / inDim);
        for (int r0 = 0; r0 < rows; r0 += step) {
            int n = min(step, rows - r0);
            stage(xAt + r0 * xStride, xStride, n, inDim);
            float acc[ROWS_AT_ONCE];
            for (int u = 0; u < ROWS_AT_ONCE; u++) acc[u] = 0.0;
            for (int i = i0; i < i1; i += BATCH) {
                float wr[BATCH];
                for (int b = 0; b < BATCH; b++) wr[b] = i + b < i1 ? w[wt + (i + b) * outDim + o] : 0.0;
                for (int u = 0; u < ROWS_AT_ONCE; u++) {
                    if (u >= n) break;
                    float xr[BATCH];
                    for (int b = 0; b < BATCH; b++)
                        xr[b] = i + b < i1 ? query[u * inDim + i + b] : 0.0;
                    for (int b = 0; b < BATCH; b++) acc[u] += xr[b] * wr[b];
                }
            }
            // the slices' partial sums meet in shared memory, as many rows at a time as it holds
            int perPass = RED_FLOATS / THREADS;
            for (int u0 = 0; u0 < n; u0 += perPass) {
                for (int u = 0; u < ROWS_AT_ONCE; u++)
                    if (u >= u0 && u < u0 + perPass && u < n) red[(u - u0) * THREADS + t] = acc[u];
                barrier();
                int m = min(perPass, n - u0);
                for (int k = t; k < m * span; k += THREADS) {
                    int oo = o0 + k % span;
                    float s = w[bias + oo] + slicesTotal(k, span, slices);
                    int yi = yAt + (r0 + u0 + k / span) * yStride + oo;
                    if (mode == MODE_RELU) s = max(s, 0.0);
                    v[yi] = mode == MODE_ADD ? v[yi] + s : s;
                }
                barrier();
            }
        }
    }
    sync();
}

// LayerNorm of `rows` rows of `dim` (eps 1e-5): LANES threads per row, each keeping its DIM_PER_LANE values.
void layerNorm(int xAt, int xStride, int rows, int wAt, int bAt, int yAt, int yStride) {
    int t = int(gl_LocalInvocationID.x), lane = t % LANES;
    int perLane = BATCH == 1 ? (pc.dim + LANES - 1) / LANES : DIM_PER_LANE; // see LOOPS
    for (int r0 = 0; r0 < rows; r0 += THREADS / LANES) {
        int r = r0 + t / LANES;
        bool live = r < rows;
        int xi = xAt + r * xStride;
        float xs[DIM_PER_LANE];
        float s = 0.0;
        for (int u = 0; u < perLane; u++) {
            int i = lane + u * LANES;
            xs[u] = live && i < pc.dim ? v[xi + i] : 0.0;
            s += xs[u];
        }
        float mean = groupReduce(s, false) / float(pc.dim);
        float q2 = 0.0;
        for (int u = 0; u < perLane; u++)
            if (lane + u * LANES < pc.dim) { float d = xs[u] - mean; q2 += d * d; }
        float inv = 1.0 / sqrt(groupReduce(q2, false) / float(pc.dim) + 1e-5);
        if (live)
            for (int u = 0; u < perLane; u++) {
                int i = lane + u * LANES;
                if (i < pc.dim) v[yAt + r * yStride + i] = (xs[u] - mean) * inv * w[wAt + i] + w[bAt + i];
            }
    }
    sync();
}

// Four consecutive floats of the keys or values: the frame's (read-only, cacheable) or the question's.
vec4 fourAt(bool image, int i) { return image ? f4[i / 4] : vec4(v[i], v[i + 1], v[i + 2], v[i + 3]); }

// Attention of `rows` query rows (at qAt, stride dim) over `keyCount` keys (kAt/vAt, stride dim; in Frame
// when `image`, else in Work), every head, into ctx; maskAt >= 0 masks keys (1 real, 0 padding); clsAt >= 0
// receives row 0's weights. Scores and softmax: LANES threads per (row, head), each keeping the scores of
// keys lane, lane + LANES, ... in registers; the probabilities go to Work at scoreAt. Weighted sum: a
// thread per (row, four channels) and slice of the keys.
void attend(int qAt, int rows, bool image, int kAt, int vAt, int keyCount, int maskAt, int scoreAt, int outAt, int clsAt) {
    int t = int(gl_LocalInvocationID.x), lane = t % LANES;
    float scale = 1.0 / sqrt(float(HEAD_DIM));
    int headDim = BATCH == 1 ? pc.dim / pc.heads : HEAD_DIM, keysPerLane = BATCH == 1 ? (keyCount + LANES - 1) / LANES : KEYS_PER_LANE; // see LOOPS
    int pairs = rows * pc.heads;
    for (int p0 = 0; p0 < pairs; p0 += THREADS / LANES) {
        // this round's query rows, staged when they fit
        int lo = p0 / pc.heads, hi = min(rows - 1, (p0 + THREADS / LANES - 1) / pc.heads);
        bool staged = stage(qAt + lo * pc.dim, pc.dim, hi - lo + 1, pc.dim);
        int rh = p0 + t / LANES;
        bool live = rh < pairs;
        int r = rh / pc.heads, h = rh % pc.heads;
        int qi = (r - lo) * pc.dim + h * HEAD_DIM;
        vec4 qv[HEAD_DIM / 4];
        for (int c = 0; c < headDim; c += 4) {
            int qc = qi + c, qg = qAt + lo * pc.dim + qc;
            qv[c / 4] = !live ? vec4(0.0) : staged ? vec4(query[qc], query[qc + 1], query[qc + 2], query[qc + 3]) : vec4(v[qg], v[qg + 1], v[qg + 2], v[qg + 3]);
        }
        float sc[KEYS_PER_LANE];
        float mx = -3.4e38;
        for (int u = 0; u < keysPerLane; u++) {
            int j = lane + u * LANES;
            sc[u] = 0.0;
            if (live && j < keyCount) {
                int ki = kAt + j * pc.dim + h * HEAD_DIM;
                float s = 0.0;
                for (int c = 0; c < headDim; c += 4) s += dot(qv[c / 4], fourAt(image, ki + c));
                s *= scale;
                if (maskAt >= 0) s += (1.0 - v[maskAt + j]) * MASKED;
                sc[u] = s;
                mx = max(mx, s);
            }
        }
        mx = groupReduce(mx, true);
        float sum = 0.0;
        for (int u = 0; u < keysPerLane; u++)
            if (live && lane + u * LANES < keyCount) { sc[u] = exp(sc[u] - mx); sum += sc[u]; }
        float inv = 1.0 / groupReduce(sum, false);
        if (live)
            for (int u = 0; u < keysPerLane; u++) {
                int j = lane + u * LANES;
                if (j >= keyCount) break;
                float p = sc[u] * inv;
                v[scoreAt + rh * keyCount + j] = p;
                if (clsAt >= 0 && rh < pc.heads) v[clsAt + rh * keyCount + j] = p;
            }
    }
    sync();
    int quads = rows * pc.dim / 4;
    for (int o0 = 0; o0 < quads; o0 += THREADS) {
        int span = min(quads - o0, THREADS);
        int slices = THREADS / span; // uniform
        int col = t % span, g = t / span, qd = o0 + col;
        int c = (qd % (pc.dim / 4)) * 4, r = qd / (pc.dim / 4), h = c / HEAD_DIM;
        int base = scoreAt + (r * pc.heads + h) * keyCount;
        ivec2 part = sliceOf(keyCount, g, slices);
        int j0 = part.x, j1 = part.y;
        vec4 acc = vec4(0.0);
        for (int j = j0; j < j1; j += BATCH) {
            float p[BATCH];
            vec4 vals[BATCH];
            for (int b = 0; b < BATCH; b++) {
                bool ok = j + b < j1;
                p[b] = ok ? v[base + j + b] : 0.0;
                vals[b] = ok ? fourAt(image, vAt + (j + b) * pc.dim + c) : vec4(0.0);
            }
            for (int b = 0; b < BATCH; b++) acc += p[b] * vals[b];
        }
        // the slices' partial sums meet in shared memory, as many components at a time as it holds
        int perPass = min(4, RED_FLOATS / THREADS);
        for (int e0 = 0; e0 < 4; e0 += perPass) {
            for (int e = 0; e < 4; e++)
                if (e >= e0 && e < e0 + perPass) red[(e - e0) * THREADS + t] = acc[e];
            barrier();
            for (int k = t; k < perPass * span; k += THREADS) {
                int e = e0 + k / span, q2 = o0 + k % span;
                v[outAt + (q2 / (pc.dim / 4)) * pc.dim + (q2 % (pc.dim / 4)) * 4 + e] = slicesTotal(k, span, slices);
            }
            barrier();
        }
    }
    sync();
}

void main() {
    int n = int(gl_WorkGroupID.x), t = int(gl_LocalInvocationID.x);
    int d = pc.dim, T = pc.maxTokens;
    int rowsAt = n * T * d;
    int x = pc.x + rowsAt, a = pc.a + rowsAt, q = pc.q + rowsAt, k = pc.k + rowsAt, val = pc.val + rowsAt, ctx = pc.ctx + rowsAt;
    int hidden = pc.hidden + n * T * pc.ff;
    int scores = pc.scores + n * T * pc.heads * max(T, pc.imageTokens);
    int mask = pc.mask + n * T;
    int mapSize = pc.layers * pc.heads * pc.imageTokens;

    // the real tokens, when they come first (as the tokenizer lays them out); else every token, masked
    if (t == 0) {
        int real = 0;
        while (real < T && v[mask + real] != 0.0) real++;
        bool prefix = true;
        for (int j = real; j < T; j++) prefix = prefix && v[mask + j] == 0.0;
        realRows = prefix && real > 0 ? real : T;
    }
    sync();
    int tokens = realRows;

    for (int l = 0; l < pc.layers; l++) {
        int L = l * LAYER_INTS;
        int rows = l == pc.layers - 1 ? 1 : tokens; // rows still needed after this layer's self-attention keys
        // self-attention over the question
        layerNorm(x, d, tokens, at[L + L_LN_SELF], at[L + L_LN_SELF + 1], a, d);
        linear(a, d, tokens, d, d, at[L + L_SK], at[L + L_SK + 1], k, d, MODE_STORE);
        linear(a, d, tokens, d, d, at[L + L_SV], at[L + L_SV + 1], val, d, MODE_STORE);
        linear(a, d, rows, d, d, at[L + L_SQ], at[L + L_SQ + 1], q, d, MODE_STORE);
        attend(q, rows, false, k, val, tokens, mask, scores, ctx, -1);
        linear(ctx, d, rows, d, d, at[L + L_SO], at[L + L_SO + 1], x, d, MODE_ADD);
        // cross-attention over the image tokens
        layerNorm(x, d, rows, at[L + L_LN_CROSS], at[L + L_LN_CROSS + 1], a, d);
        linear(a, d, rows, d, d, at[L + L_CQ], at[L + L_CQ + 1], q, d, MODE_STORE);
        attend(q, rows, true, pc.keys + l * pc.kvStride, pc.values + l * pc.kvStride, pc.imageTokens, -1, scores, ctx,
               pc.attn + n * mapSize + l * pc.heads * pc.imageTokens);
        linear(ctx, d, rows, d, d, at[L + L_CO], at[L + L_CO + 1], x, d, MODE_ADD);
        // MLP
        layerNorm(x, d, rows, at[L + L_LN_MLP], at[L + L_LN_MLP + 1], a, d);
        linear(a, d, rows, d, pc.ff, at[L + L_FC1], at[L + L_FC1 + 1], hidden, pc.ff, MODE_RELU);
        linear(hidden, pc.ff, rows, pc.ff, d, at[L + L_FC2], at[L + L_FC2 + 1], x, d, MODE_ADD);
    }
    int H = pc.layers * LAYER_INTS;
    int cls = pc.cls + n * d, h1 = pc.h1 + n * d;
    layerNorm(x, d, 1, at[H], at[H + 1], cls, d);
    linear(cls, d, 1, d, pc.head1Out, at[H + 2], at[H + 3], h1, pc.head1Out, MODE_RELU);
    linear(h1, pc.head1Out, 1, pc.head1Out, pc.answers, at[H + 4], at[H + 5], pc.logits + n * pc.answers, pc.answers, MODE_STORE);
}
