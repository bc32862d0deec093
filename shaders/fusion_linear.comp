#version 450
// fusion_linear.comp: y = x W^T + b for `rows` rows, optionally ReLU'd, optionally added into y
// (the residual connection). One invocation per output element.
//
// Bindings (set 0):
//   0  readonly Weights { float w[]; }  every fusion weight, packed; W row-major (out, in) at `weight`, b at `bias`
//   1           Work    { float v[]; }  activations: x at `x` (row r at x + r * xStride), y at `y` (+ r * yStride)
// Push constants (48 bytes, mirrored by LinearPush in VulkanFusion.cs):
//   int rows, inDim, outDim, flags (1: ReLU, 2: accumulate into y); int x, y, weight, bias; int xStride, yStride, pad0, pad1
// Workgroup: 64 x 1; dispatch ceil(rows * outDim / 64). Same sum as FusionReference's Apply, in order.
layout(local_size_x = 64, local_size_y = 1, local_size_z = 1) in;

layout(std430, set = 0, binding = 0) readonly buffer Weights { float w[]; };
layout(std430, set = 0, binding = 1) buffer Work { float v[]; };

layout(push_constant) uniform Push {
    int rows; int inDim; int outDim; int flags;
    int x; int y; int weight; int bias;
    int xStride; int yStride; int pad0; int pad1;
} pc;

void main() {
    int idx = int(gl_GlobalInvocationID.x);
    if (idx >= pc.rows * pc.outDim) return;
    int r = idx / pc.outDim, o = idx % pc.outDim;
    int xi = pc.x + r * pc.xStride, wi = pc.weight + o * pc.inDim;
    float s = 0.0;
    for (int i = 0; i < pc.inDim; i++)
        s += v[xi + i] * w[wi + i];
    s += w[pc.bias + o];
    if ((pc.flags & 1) != 0) s = max(s, 0.0);
    int yi = pc.y + r * pc.yStride + o;
    v[yi] = (pc.flags & 2) != 0 ? v[yi] + s : s;
}
