#version 450
// fusion_attention.comp: scaled dot-product attention for one head of one query row per workgroup:
// scores = q . k_j * scale (+ -1e4 where the key is padding), softmax, out = sum_j weight_j v_j.
// Row 0's weights (the [CLS] token) can be written out: the attention maps the overlay shows.
//
// Bindings (set 0): 0 readonly Weights (unused here, shared layout); 1 Work { float v[]; }
// Push constants (64 bytes, mirrored by AttentionPush in VulkanFusion.cs):
//   int rows (query rows per question), keys (per question), heads, headDim;
//   int q, k, val, out;                  offsets in Work; row r of question n at base + (n * rows + r) * dim
//   int keysShared (1: the same keys for every question, e.g. the image), mask (offset of n * keys
//       0/1 values, or -1), clsOut (offset of the [CLS] weights, or -1), clsStride (floats between questions);
//   float scale; int dim; int pad0, pad1
// Workgroup: 256 x 1; dispatch (rows, heads, questions). Up to 1024 keys. The weighted sum of values
// splits the keys into 256 / headDim slices (4 at headDim 64) summed in shared memory, so no thread
// walks all the keys alone (the order of the sum differs from FusionReference's; the tests bound it).
layout(local_size_x = 256, local_size_y = 1, local_size_z = 1) in;

layout(std430, set = 0, binding = 0) readonly buffer Weights { float w[]; };
layout(std430, set = 0, binding = 1) buffer Work { float v[]; };

layout(push_constant) uniform Push {
    int rows; int keys; int heads; int headDim;
    int q; int k; int val; int outp;
    int keysShared; int mask; int clsOut; int clsStride;
    float scale; int dim; int pad0; int pad1;
} pc;

shared float score[1024];
const int THREADS = 256;
shared float part[THREADS];

float reduce(float s, bool isMax) {
    uint t = gl_LocalInvocationID.x;
    part[t] = s;
    barrier();
    for (uint stride = uint(THREADS) / 2u; stride > 0u; stride >>= 1) {
        if (t < stride) part[t] = isMax ? max(part[t], part[t + stride]) : part[t] + part[t + stride];
        barrier();
    }
    float total = part[0];
    barrier();
    return total;
}

void main() {
    int row = int(gl_WorkGroupID.x), head = int(gl_WorkGroupID.y), n = int(gl_WorkGroupID.z);
    int t = int(gl_LocalInvocationID.x);
    int qi = pc.q + (n * pc.rows + row) * pc.dim + head * pc.headDim;
    int keyBase = pc.keysShared != 0 ? 0 : n * pc.keys;
    float localMax = -3.4e38;
    for (int j = t; j < pc.keys; j += THREADS) {
        int ki = pc.k + (keyBase + j) * pc.dim + head * pc.headDim;
        float s = 0.0;
        for (int d = 0; d < pc.headDim; d++) s += v[qi + d] * v[ki + d];
        s *= pc.scale;
        if (pc.mask >= 0) s += (1.0 - v[pc.mask + n * pc.keys + j]) * -1e4;
        score[j] = s;
        localMax = max(localMax, s);
    }
    float mx = reduce(localMax, true);
    float localSum = 0.0;
    for (int j = t; j < pc.keys; j += THREADS) { score[j] = exp(score[j] - mx); localSum += score[j]; }
    float inv = 1.0 / reduce(localSum, false);
    for (int j = t; j < pc.keys; j += THREADS) {
        score[j] *= inv;
        if (row == 0 && pc.clsOut >= 0) v[pc.clsOut + n * pc.clsStride + head * pc.keys + j] = score[j];
    }
    barrier();
    int outBase = pc.outp + (n * pc.rows + row) * pc.dim + head * pc.headDim;
    int valBase = pc.val + keyBase * pc.dim + head * pc.headDim;
    if (pc.headDim <= THREADS) { // uniform: every thread takes the same branch to the barrier
        int slices = THREADS / pc.headDim, d = t % pc.headDim, slice = t / pc.headDim;
        float acc = 0.0;
        if (slice < slices)
            for (int j = slice; j < pc.keys; j += slices)
                acc += score[j] * v[valBase + j * pc.dim + d];
        part[t] = acc;
        barrier();
        if (slice == 0) {
            float sum = 0.0;
            for (int s = 0; s < slices; s++) sum += part[s * pc.headDim + d];
            v[outBase + d] = sum;
        }
    } else {
        for (int d = t; d < pc.headDim; d += THREADS) {
            float acc = 0.0;
            for (int j = 0; j < pc.keys; j++)
                acc += score[j] * v[valBase + j * pc.dim + d];
            v[outBase + d] = acc;
        }
    }
}
