#version 450
// fusion_linear.comp: y = x W^T + b for `rows` rows, optionally ReLU'd, optionally added into y
// (the residual connection). Eight lanes share each output element: lane l sums inputs l, l+8, ...
// (neighbouring lanes read neighbouring floats of x and of W's row), then the eight partial sums are
// added in shared memory. A lone question's layers are a chain of small dispatches, so what counts is
// each thread's serial loop (256 or 1024 long with one thread per output; 32 or 128 here).
//
// Bindings (set 0):
//   0  readonly Weights { float w[]; }  every fusion weight, packed; W row-major (out, in) at `weight`, b at `bias`
//   1           Work    { float v[]; }  activations: x at `x` (row r at x + r * xStride), y at `y` (+ r * yStride)
// Push constants (48 bytes, mirrored by LinearPush in VulkanFusion.cs):
//   int rows, inDim, outDim, flags (1: ReLU, 2: accumulate into y); int x, y, weight, bias; int xStride, yStride, pad0, pad1
// Workgroup: 64 x 1 = 8 outputs x 8 lanes; dispatch ceil(rows * outDim / 8). The sum's order differs
// from FusionReference's (eight interleaved partial sums): the tests bound the difference.
layout(local_size_x = 64, local_size_y = 1, local_size_z = 1) in;

layout(std430, set = 0, binding = 0) readonly buffer Weights { float w[]; };
layout(std430, set = 0, binding = 1) buffer Work { float v[]; };

layout(push_constant) uniform Push {
    int rows; int inDim; int outDim; int flags;
    int x; int y; int weight; int bias;
    int xStride; int yStride; int pad0; int pad1;
} pc;

const int LANES = 8;
shared float part[64];

void main() {
    int t = int(gl_LocalInvocationID.x), lane = t % LANES;
    int idx = int(gl_WorkGroupID.x) * (64 / LANES) + t / LANES;
    bool live = idx < pc.rows * pc.outDim;
    float s = 0.0;
    if (live) {
        int r = idx / pc.outDim, o = idx % pc.outDim;
        int xi = pc.x + r * pc.xStride, wi = pc.weight + o * pc.inDim;
        for (int i = lane; i < pc.inDim; i += LANES)
            s += v[xi + i] * w[wi + i];
    }
    part[t] = s;
    barrier();
    for (int stride = LANES / 2; stride > 0; stride >>= 1) {
        if (lane < stride) part[t] += part[t + stride];
        barrier();
    }
    if (live && lane == 0) {
        int r = idx / pc.outDim, o = idx % pc.outDim;
        float sum = part[t] + w[pc.bias + o];
        if ((pc.flags & 1) != 0) sum = max(sum, 0.0);
        int yi = pc.y + r * pc.yStride + o;
        v[yi] = (pc.flags & 2) != 0 ? v[yi] + sum : sum;
    }
}
