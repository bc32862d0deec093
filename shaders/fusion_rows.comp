#version 450
// fusion_rows.comp: the whole fusion as a few wide dispatches, one workgroup per question token (row).
// Every step of a layer is row-local (norms, projections, the cross-attention over the image, the MLP)
// except the self-attention, which reads every row's keys and values. So a layer is two phases with one
// barrier between: A, the row's self-attention query, key and value (after its norm); B, the rest of the
// layer from the self-attention on. A layer's B and the next layer's A are one dispatch, so L layers are
// L + 1 dispatches: A(0) | B(0) A(1) | ... | B(L-1) + the answer head, on [CLS] alone (the last layer's
// output is needed for [CLS] only, as in FusionReference.Run). A lone question thus runs on as many
// workgroups (GPU cores) as it has tokens, each with a short chain of steps, instead of one workgroup
// walking every token through every step; several questions are more workgroups of the same dispatches.
// The first dispatch also projects the image tokens to the cross-attention keys and values of every layer,
// FRAME_ROWS tokens per workgroup, in the workgroups past the question rows (x >= maxTokens, y = 0).
// Same layers as FusionReference, whose last layer attends over the image tokens themselves (W_k^T q
// scores them, W_v applies once to their weighted sum) where this projects every layer's keys and
// values: the same result up to rounding, and a wide dispatch on a GPU.
//
// Bindings (set 0):
//   0  readonly Weights { float w[]; }  packed by VulkanFusion: norms as (weight, bias); linears transposed,
//                                       (in, out) row-major, so neighbouring threads read neighbouring weights;
//                                       per layer the self-attention's q, k, v side by side (out 3 x dim); the
//                                       frame's keys and values of every layer side by side (out 2 x layers x dim)
//   1  Work  { float v[]; }             activations (float offsets in the push constants): image tokens
//                                       (imageTokens x dim); frame keys/values (imageTokens x kvWidth, per layer
//                                       keys then values); mask (questions x maxTokens); x, the question rows'
//                                       residual stream (questions x maxTokens x dim, the text states on upload);
//                                       qkv per layer (layers x questions x maxTokens x 3 dim); logits (questions x
//                                       answers); [CLS] attention (questions x layers x heads x imageTokens)
//   2  readonly Layout  { int at[]; }   weight offsets: per layer LAYER_INTS (the L_ constants), then final norm
//                                       (w, b), head 1 (w, b), head 2 (w, b), then the frame's keys/values (w, b)
//   3  readonly Keys    { vec4 f4[]; }  Work again, read four floats at a time: the keys and values earlier
//                                       dispatches wrote (read-only here, so cacheable)
// Push constants (64 bytes, mirrored by Push in VulkanFusion.cs): see below.
// Specialization constants: THREADS (workgroup size), BATCH (weights a thread loads before it uses any: 8 on a
// GPU, 1 on a CPU device, where unrolled bodies cost lavapipe's compiler minutes and the CPU nothing),
// FRAME_ROWS, P_FLOATS, DIM, FF (max(ff, the head's hidden width)): register and shared sizes.
// Dispatch: phase 0 (maxTokens + ceil(imageTokens / FRAME_ROWS), questions); phases 1..layers-1 (maxTokens,
// questions); phase `layers` (1, questions). Rows past a question's real tokens return at once (uniformly).
// Sums run in another order than the C# reference's: the tests bound the difference (logits 1e-3, attention 1e-4).
layout(local_size_x_id = 0, local_size_y = 1, local_size_z = 1) in;
layout(constant_id = 0) const int THREADS = 256;
layout(constant_id = 1) const int BATCH = 8;
layout(constant_id = 2) const int FRAME_ROWS = 8;
layout(constant_id = 3) const int P_FLOATS = 2400; // max(heads x max(imageTokens, maxTokens), FRAME_ROWS x DIM)
layout(constant_id = 4) const int DIM = 128;
layout(constant_id = 5) const int FF = 256;

layout(std430, set = 0, binding = 0) readonly buffer Weights { float w[]; };
layout(std430, set = 0, binding = 1) buffer Work { float v[]; };
layout(std430, set = 0, binding = 2) readonly buffer Layout { int at[]; };
layout(std430, set = 0, binding = 3) readonly buffer Keys { vec4 f4[]; };

layout(push_constant) uniform Push {
    int phase; int heads; int answers; int layers;
    int maxTokens; int imageTokens; int head1Out; int kvWidth;
    int image; int frameKv; int mask; int x;
    int qkv; int logits; int attn; int pad0;
} pc;

const int LAYER_INTS = 18;
const int L_LN_SELF = 0, L_QKV = 2, L_SO = 4, L_LN_CROSS = 6, L_CQ = 8, L_CO = 10, L_LN_MLP = 12, L_FC1 = 14, L_FC2 = 16;
const int MODE_STORE = 0, MODE_RELU = 1, MODE_ADD = 2;
const float MASKED = -1e4;

// shared memory: the row (residual stream X, norm output or context A, attention query Q, MLP hidden H),
// the probabilities (or the frame phase's staged rows), the reductions (THREADS vec4 partial sums)
const int S_X = 0, S_A = S_X + DIM, S_Q = S_A + DIM, S_H = S_Q + DIM, S_P = S_H + FF;
const int S_RED = S_P + P_FLOATS;
shared float sm[S_RED + 4 * THREADS];
shared int realRows;

// Sum (or max) over each segment of `seg` consecutive threads; every thread gets its segment's result.
// Every thread of the workgroup calls it (barriers).
float segmentReduce(float s, int seg, bool isMax) {
    int t = int(gl_LocalInvocationID.x), lane = t % seg;
    sm[S_RED + t] = s;
    barrier();
    int top = 1;
    while (top * 2 < seg) top *= 2;
    for (int stride = top; stride > 0; stride >>= 1) {
        if (lane < stride && lane + stride < seg) {
            float o = sm[S_RED + t + stride];
            sm[S_RED + t] = isMax ? max(sm[S_RED + t], o) : sm[S_RED + t] + o;
        }
        barrier();
    }
    float total = sm[S_RED + t - lane];
    barrier();
    return total;
}

// The part [first, end) of `count` items that slice g of `slices` takes (empty for g >= slices).
ivec2 sliceOf(int count, int g, int slices) {
    int chunk = (count + slices - 1) / slices;
    int first = g < slices ? min(count, g * chunk) : count;
    return ivec2(first, min(count, first + chunk));
}

// One row: y = x W^T + b with x in shared memory at `xAt` (inDim floats); W^T at `wt` is (inDim, outDim)
// row-major. Thread t owns output column o and a slice of the inputs (THREADS / outDim slices), loads its
// weights BATCH at a time, and the slices' partial sums meet in shared memory. The result goes to shared
// memory at yAt (toShared) or to Work at yAt.
void rowLinear(int xAt, int inDim, int outDim, int wt, int bias, int yAt, bool toShared, int mode) {
    int t = int(gl_LocalInvocationID.x);
    for (int o0 = 0; o0 < outDim; o0 += THREADS) {
        int span = min(outDim - o0, THREADS);
        int slices = THREADS / span; // uniform
        int col = t % span, g = t / span, o = o0 + col;
        ivec2 part = sliceOf(inDim, g, slices);
        float acc = 0.0;
        for (int i = part.x; i < part.y; i += BATCH) {
            float wr[BATCH];
            for (int b = 0; b < BATCH; b++) wr[b] = i + b < part.y ? w[wt + (i + b) * outDim + o] : 0.0;
            for (int b = 0; b < BATCH; b++) if (i + b < part.y) acc += sm[xAt + i + b] * wr[b];
        }
        sm[S_RED + t] = acc;
        barrier();
        if (t < span) {
            float s = w[bias + o];
            for (int k = 0; k < slices; k++) s += sm[S_RED + k * span + t];
            if (mode == MODE_RELU) s = max(s, 0.0);
            if (toShared) sm[yAt + o] = mode == MODE_ADD ? sm[yAt + o] + s : s;
            else v[yAt + o] = mode == MODE_ADD ? v[yAt + o] + s : s;
        }
        barrier();
    }
}

// LayerNorm (eps 1e-5) of the row at shared xAt into shared yAt: the first 32 threads sum strided values,
// every thread adds their 32 partial sums (two barriers per sum instead of a tree).
float rowSum(int xAt, float shift, bool squares) {
    int t = int(gl_LocalInvocationID.x);
    if (t < 32) {
        float s = 0.0;
        for (int i = t; i < DIM; i += 32) { float d = sm[xAt + i] - shift; s += squares ? d * d : d; }
        sm[S_RED + t] = s;
    }
    barrier();
    float total = 0.0;
    for (int k = 0; k < 32; k++) total += sm[S_RED + k];
    barrier();
    return total;
}

void rowNorm(int xAt, int wAt, int bAt, int yAt) {
    int t = int(gl_LocalInvocationID.x);
    float mean = rowSum(xAt, 0.0, false) / float(DIM);
    float inv = 1.0 / sqrt(rowSum(xAt, mean, true) / float(DIM) + 1e-5);
    for (int i = t; i < DIM; i += THREADS) sm[yAt + i] = (sm[xAt + i] - mean) * inv * w[wAt + i] + w[bAt + i];
    barrier();
}

// One query row (shared, at S_Q) attends over `count` keys and values in Keys (key j at keyAt + j * stride,
// value at valAt + j * stride; floats, multiples of 4), every head, into shared S_A. maskAt >= 0 masks keys
// (1 real, 0 padding); mapAt >= 0 receives the weights (heads x count). Scores: THREADS / heads threads per
// head, keys strided over them; weighted sum: a thread per four channels and slice of the keys.
void attendRow(int keyAt, int valAt, int stride, int count, int maskAt, int mapAt) {
    int t = int(gl_LocalInvocationID.x);
    int headDim = DIM / pc.heads, per = THREADS / pc.heads;
    int h = t / per, lane = t % per;
    bool live = h < pc.heads;
    float scale = 1.0 / sqrt(float(headDim));
    float mx = -3.4e38;
    for (int j = lane; live && j < count; j += per) {
        int k4 = (keyAt + j * stride + h * headDim) / 4, q0 = S_Q + h * headDim;
        float s = 0.0;
        for (int c = 0; c < headDim; c += 4)
            s += dot(vec4(sm[q0 + c], sm[q0 + c + 1], sm[q0 + c + 2], sm[q0 + c + 3]), f4[k4 + c / 4]);
        s *= scale;
        if (maskAt >= 0) s += (1.0 - v[maskAt + j]) * MASKED;
        sm[S_P + h * count + j] = s;
        mx = max(mx, s);
    }
    mx = segmentReduce(mx, per, true);
    float sum = 0.0;
    for (int j = lane; live && j < count; j += per) {
        float e = exp(sm[S_P + h * count + j] - mx);
        sm[S_P + h * count + j] = e;
        sum += e;
    }
    float inv = 1.0 / segmentReduce(sum, per, false);
    for (int j = lane; live && j < count; j += per) {
        float p = sm[S_P + h * count + j] * inv;
        sm[S_P + h * count + j] = p;
        if (mapAt >= 0) v[mapAt + h * count + j] = p;
    }
    barrier();
    // weighted sum of the values: quad qd (channels 4 qd .. 4 qd + 3), slice g of the keys
    int quads = DIM / 4, slices = THREADS / quads;
    int qd = t % quads, g = t / quads, c = qd * 4, hq = c / headDim;
    ivec2 part = sliceOf(count, g, slices);
    vec4 acc = vec4(0.0);
    for (int j = part.x; j < part.y; j += BATCH) {
        vec4 vals[BATCH];
        for (int b = 0; b < BATCH; b++) vals[b] = j + b < part.y ? f4[(valAt + (j + b) * stride + c) / 4] : vec4(0.0);
        for (int b = 0; b < BATCH; b++) if (j + b < part.y) acc += sm[S_P + hq * count + j + b] * vals[b];
    }
    for (int e = 0; e < 4; e++) sm[S_RED + e * THREADS + t] = acc[e];
    barrier();
    for (int i = t; i < DIM; i += THREADS) {
        int q = i / 4, e = i % 4;
        float s = 0.0;
        for (int k = 0; k < slices; k++) s += sm[S_RED + e * THREADS + k * quads + q];
        sm[S_A + i] = s;
    }
    barrier();
}

// The frame's part of phase 0: FRAME_ROWS image tokens, staged in shared memory, to every layer's cross-attention keys
// and values. Thread t: output column t % cols, every (THREADS / cols)-th row.
void frameKeys(int group) {
    int t = int(gl_LocalInvocationID.x);
    int r0 = group * FRAME_ROWS, n = min(FRAME_ROWS, pc.imageTokens - r0);
    for (int i = t; i < n * DIM; i += THREADS) sm[S_P + i] = v[pc.image + r0 * DIM + i];
    barrier();
    int kvw = pc.kvWidth, H = pc.layers * LAYER_INTS;
    int wt = at[H + 6], bias = at[H + 7];
    int cols = min(kvw, THREADS), groups = THREADS / cols;
    int col = t % cols, rg = t / cols;
    for (int o = col; o < kvw; o += cols) {
        float acc[FRAME_ROWS];
        for (int u = 0; u < FRAME_ROWS; u++) acc[u] = 0.0;
        for (int i = 0; i < DIM; i += BATCH) {
            float wr[BATCH];
            for (int b = 0; b < BATCH; b++) wr[b] = i + b < DIM ? w[wt + (i + b) * kvw + o] : 0.0;
            for (int u = 0; u < FRAME_ROWS; u++) {
                int r = rg + u * groups;
                if (r >= n) break;
                for (int b = 0; b < BATCH; b++) if (i + b < DIM) acc[u] += sm[S_P + r * DIM + i + b] * wr[b];
            }
        }
        for (int u = 0; u < FRAME_ROWS; u++) {
            int r = rg + u * groups;
            if (r >= n) break;
            v[pc.frameKv + (r0 + r) * kvw + o] = acc[u] + w[bias + o];
        }
    }
}

void main() {
    int t = int(gl_LocalInvocationID.x);
    int r = int(gl_WorkGroupID.x), n = int(gl_WorkGroupID.y), T = pc.maxTokens;
    if (r >= T) { // phase 0's frame workgroups (the whole workgroup takes one branch)
        if (n == 0) frameKeys(r - T);
        return;
    }
    int mask = pc.mask + n * T;
    // the real tokens, when they come first (as the tokenizer lays them out); else every token, masked
    if (t == 0) {
        int real = 0;
        while (real < T && v[mask + real] != 0.0) real++;
        bool prefix = true;
        for (int j = real; j < T; j++) prefix = prefix && v[mask + j] == 0.0;
        realRows = prefix && real > 0 ? real : T;
    }
    barrier();
    int tokens = realRows;
    if (r >= tokens) return; // the whole workgroup
    int xAt = pc.x + (n * T + r) * DIM, mapSize = pc.layers * pc.heads * pc.imageTokens;
    for (int i = t; i < DIM; i += THREADS) sm[S_X + i] = v[xAt + i];
    barrier();

    if (pc.phase > 0) {
        // B: the rest of layer l = phase - 1 for this row
        int l = pc.phase - 1, L = l * LAYER_INTS;
        int qkv = pc.qkv + (l * int(gl_NumWorkGroups.y) + n) * T * 3 * DIM, stride = 3 * DIM;
        for (int i = t; i < DIM; i += THREADS) sm[S_Q + i] = v[qkv + r * stride + i];
        barrier();
        attendRow(qkv + DIM, qkv + 2 * DIM, stride, tokens, mask, -1);
        rowLinear(S_A, DIM, DIM, at[L + L_SO], at[L + L_SO + 1], S_X, true, MODE_ADD);
        rowNorm(S_X, at[L + L_LN_CROSS], at[L + L_LN_CROSS + 1], S_A);
        rowLinear(S_A, DIM, DIM, at[L + L_CQ], at[L + L_CQ + 1], S_Q, true, MODE_STORE);
        int kv = pc.frameKv + l * 2 * DIM;
        attendRow(kv, kv + DIM, pc.kvWidth, pc.imageTokens, -1, r == 0 ? pc.attn + n * mapSize + l * pc.heads * pc.imageTokens : -1);
        rowLinear(S_A, DIM, DIM, at[L + L_CO], at[L + L_CO + 1], S_X, true, MODE_ADD);
        rowNorm(S_X, at[L + L_LN_MLP], at[L + L_LN_MLP + 1], S_A);
        rowLinear(S_A, DIM, FF, at[L + L_FC1], at[L + L_FC1 + 1], S_H, true, MODE_RELU);
        rowLinear(S_H, FF, DIM, at[L + L_FC2], at[L + L_FC2 + 1], S_X, true, MODE_ADD);
    }
    if (pc.phase < pc.layers) {
        // A: layer l = phase's self-attention query, key and value for this row; the row's stream kept for B
        int l = pc.phase, L = l * LAYER_INTS;
        rowNorm(S_X, at[L + L_LN_SELF], at[L + L_LN_SELF + 1], S_A);
        int qkv = pc.qkv + ((l * int(gl_NumWorkGroups.y) + n) * T + r) * 3 * DIM;
        rowLinear(S_A, DIM, 3 * DIM, at[L + L_QKV], at[L + L_QKV + 1], qkv, false, MODE_STORE);
        for (int i = t; i < DIM; i += THREADS) v[xAt + i] = sm[S_X + i];
        return;
    }
    // the answer head on [CLS]
    int H = pc.layers * LAYER_INTS;
    rowNorm(S_X, at[H], at[H + 1], S_A);
    rowLinear(S_A, DIM, pc.head1Out, at[H + 2], at[H + 3], S_H, true, MODE_RELU);
    rowLinear(S_H, pc.head1Out, pc.answers, at[H + 4], at[H + 5], pc.logits + n * pc.answers, false, MODE_STORE);
}
