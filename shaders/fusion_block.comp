#version 450
// fusion_block.comp: the whole fusion stack for one question per workgroup, in one dispatch: for each
// layer self-attention over the question, cross-attention over the image tokens, the MLP (pre-norm,
// residual), then the final norm and the answer head on [CLS]. The same steps as FusionReference.Run,
// including its shortcuts: only the real tokens are computed when they come first (padding is masked as
// a key, so it never reaches them), and the last layer after its self-attention keys carries [CLS] alone.
// A lone question used to be a chain of ~30 small dispatches with a barrier after each, which a GPU
// runs latency-bound; here the steps are separated by workgroup barriers inside one dispatch.
// The image keys and values (per frame, shared by the questions) come from fusion_linear dispatches
// recorded before this one.
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
//   3  readonly Frame   { float f[]; }  the same buffer as Work, for the image keys and values at `keys` and
//                                       `values` (+ layer * kvStride), which earlier dispatches wrote: read-only
//                                       here, so they may be cached where Work's coherent reads are not
// Push constants (96 bytes, mirrored by BlockPush in VulkanFusion.cs): see below.
// Specialization constants: 0 THREADS, the workgroup size (VulkanFusion takes up to 1024, as the device
// allows: a lone question is one workgroup, so its threads are all the parallelism there is); 1
// QUERY_FLOATS, the shared floats that stage a linear's input rows or an attention's query rows (what
// shared memory allows; larger inputs are read from Work).
// Workgroup: THREADS x 1 (a multiple of 32); dispatch (questions, 1, 1). Sums run in another order than
// the C# reference's: the tests bound the difference (logits 1e-3, attention 1e-4).
layout(local_size_x_id = 0, local_size_y = 1, local_size_z = 1) in;
layout(constant_id = 0) const int THREADS = 256;
layout(constant_id = 1) const int QUERY_FLOATS = 3072;

layout(std430, set = 0, binding = 0) readonly buffer Weights { float w[]; };
layout(std430, set = 0, binding = 1) coherent buffer Work { float v[]; };
layout(std430, set = 0, binding = 2) readonly buffer Layout { int at[]; };
layout(std430, set = 0, binding = 3) readonly buffer Frame { float f[]; };

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
const int ROWS_AT_ONCE = 4;
const int LANES = 32; // threads per row in norms and softmaxes

shared float part[THREADS];
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
    int t = int(gl_LocalInvocationID.x), lane = t % LANES;
    part[t] = s;
    barrier();
    for (int stride = LANES / 2; stride > 0; stride >>= 1) {
        if (lane < stride) part[t] = isMax ? max(part[t], part[t + stride]) : part[t] + part[t + stride];
        barrier();
    }
    float total = part[t - lane];
    barrier();
    return total;
}

// y[r] (+)= x[r] W^T + b for r < rows; WT at `wt` is (inDim, outDim) row-major. Each thread owns one
// output column; with rows to spare it keeps ROWS_AT_ONCE row sums (a weight read serves several rows);
// with threads to spare (few rows: the last layer's [CLS]) the inputs are split in slices whose partial
// sums meet in shared memory.
void linear(int xAt, int xStride, int rows, int inDim, int outDim, int wt, int bias, int yAt, int yStride, int mode) {
    int t = int(gl_LocalInvocationID.x);
    // the input rows go to shared memory when they fit: every output column reads all of them
    bool staged = rows * inDim <= QUERY_FLOATS; // uniform
    if (staged)
        for (int i = t; i < rows * inDim; i += THREADS) query[i] = v[xAt + (i / inDim) * xStride + i % inDim];
    sync();
    for (int o0 = 0; o0 < outDim; o0 += THREADS) {
        int span = min(outDim - o0, THREADS);
        int groups = THREADS / span;
        int o = o0 + t % span, g = t / span;
        int slices = max(1, groups / rows); // uniform
        if (slices > 1) {
            int r = g % rows, slice = g / rows;
            float acc = 0.0;
            if (slice < slices)
                for (int i = slice; i < inDim; i += slices)
                    acc += (staged ? query[r * inDim + i] : v[xAt + r * xStride + i]) * w[wt + i * outDim + o];
            part[t] = acc;
            barrier();
            if (slice == 0 && g < rows) {
                float s = w[bias + o];
                for (int u = 0; u < slices; u++) s += part[(u * rows + r) * span + (o - o0)];
                int yi = yAt + r * yStride + o;
                if (mode == MODE_RELU) s = max(s, 0.0);
                v[yi] = mode == MODE_ADD ? v[yi] + s : s;
            }
            barrier();
            continue;
        }
        if (g >= groups) continue;
        for (int r0 = g; r0 < rows; r0 += groups * ROWS_AT_ONCE) {
            float acc[ROWS_AT_ONCE];
            for (int u = 0; u < ROWS_AT_ONCE; u++) acc[u] = 0.0;
            for (int i = 0; i < inDim; i++) {
                float wv = w[wt + i * outDim + o];
                for (int u = 0; u < ROWS_AT_ONCE; u++) {
                    int r = r0 + u * groups;
                    if (r < rows) acc[u] += (staged ? query[r * inDim + i] : v[xAt + r * xStride + i]) * wv;
                }
            }
            for (int u = 0; u < ROWS_AT_ONCE; u++) {
                int r = r0 + u * groups;
                if (r >= rows) continue;
                float s = acc[u] + w[bias + o];
                int yi = yAt + r * yStride + o;
                if (mode == MODE_RELU) s = max(s, 0.0);
                v[yi] = mode == MODE_ADD ? v[yi] + s : s;
            }
        }
    }
    sync();
}

// LayerNorm of `rows` rows of `dim` (eps 1e-5): LANES threads per row.
void layerNorm(int xAt, int xStride, int rows, int wAt, int bAt, int yAt, int yStride) {
    int t = int(gl_LocalInvocationID.x), lane = t % LANES;
    for (int r0 = 0; r0 < rows; r0 += THREADS / LANES) {
        int r = r0 + t / LANES;
        bool live = r < rows;
        int xi = xAt + r * xStride;
        float s = 0.0;
        if (live) for (int i = lane; i < pc.dim; i += LANES) s += v[xi + i];
        float mean = groupReduce(s, false) / float(pc.dim);
        float q2 = 0.0;
        if (live) for (int i = lane; i < pc.dim; i += LANES) { float d = v[xi + i] - mean; q2 += d * d; }
        float inv = 1.0 / sqrt(groupReduce(q2, false) / float(pc.dim) + 1e-5);
        if (live)
            for (int i = lane; i < pc.dim; i += LANES)
                v[yAt + r * yStride + i] = (v[xi + i] - mean) * inv * w[wAt + i] + w[bAt + i];
    }
    sync();
}

float keyAt(bool image, int i) { return image ? f[i] : v[i]; }

// Attention of `rows` query rows (at qAt, stride dim) over `keyCount` keys (kAt/vAt, stride dim; in Frame
// when `image`, else in Work), every head, into ctx; maskAt >= 0 masks keys (1 real, 0 padding); clsAt >= 0
// receives row 0's weights. The query rows are staged in shared memory when they fit (every key reads them).
void attend(int qAt, int rows, bool image, int kAt, int vAt, int keyCount, int maskAt, int scoreAt, int outAt, int clsAt) {
    int t = int(gl_LocalInvocationID.x), lane = t % LANES;
    int hd = pc.dim / pc.heads;
    float scale = 1.0 / sqrt(float(hd));
    bool staged = rows * pc.dim <= QUERY_FLOATS; // uniform
    if (staged)
        for (int i = t; i < rows * pc.dim; i += THREADS) query[i] = v[qAt + i];
    sync();
    int total = rows * pc.heads * keyCount;
    for (int idx = t; idx < total; idx += THREADS) {
        int j = idx % keyCount, rh = idx / keyCount, h = rh % pc.heads, r = rh / pc.heads;
        int qi = r * pc.dim + h * hd, ki = kAt + j * pc.dim + h * hd;
        float s = 0.0;
        for (int d = 0; d < hd; d++) s += (staged ? query[qi + d] : v[qAt + qi + d]) * keyAt(image, ki + d);
        s *= scale;
        if (maskAt >= 0) s += (1.0 - v[maskAt + j]) * MASKED;
        v[scoreAt + idx] = s;
    }
    sync();
    // softmax of each (row, head), LANES threads each
    int pairs = rows * pc.heads;
    for (int p0 = 0; p0 < pairs; p0 += THREADS / LANES) {
        int rh = p0 + t / LANES;
        bool live = rh < pairs;
        int base = scoreAt + rh * keyCount;
        float mx = -3.4e38;
        if (live) for (int j = lane; j < keyCount; j += LANES) mx = max(mx, v[base + j]);
        mx = groupReduce(mx, true);
        float sum = 0.0;
        if (live) for (int j = lane; j < keyCount; j += LANES) { float e = exp(v[base + j] - mx); v[base + j] = e; sum += e; }
        float inv = 1.0 / groupReduce(sum, false);
        if (live)
            for (int j = lane; j < keyCount; j += LANES) {
                float p = v[base + j] * inv;
                v[base + j] = p;
                if (clsAt >= 0 && rh < pc.heads) v[clsAt + rh * keyCount + j] = p;
            }
    }
    sync();
    // weighted sum of the values; with threads to spare, the keys are split in slices
    int outputs = rows * pc.dim;
    int slices = max(1, THREADS / outputs); // uniform
    for (int o0 = 0; o0 < outputs; o0 += THREADS) {
        int idx = o0 + t % min(outputs, THREADS), slice = t / min(outputs, THREADS);
        int c = idx % pc.dim, r = idx / pc.dim, h = c / hd;
        int base = scoreAt + (r * pc.heads + h) * keyCount;
        bool mine = idx < outputs && slice < slices;
        float acc = 0.0;
        if (mine)
            for (int j = slice; j < keyCount; j += slices) acc += v[base + j] * keyAt(image, vAt + j * pc.dim + c);
        if (slices == 1) {
            if (mine) v[outAt + r * pc.dim + c] = acc;
        } else {
            part[t] = acc;
            barrier();
            if (slice == 0) {
                float s2 = 0.0;
                for (int u = 0; u < slices; u++) s2 += part[u * outputs + idx];
                v[outAt + r * pc.dim + c] = s2;
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
