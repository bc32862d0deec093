#version 450
// fusion_layernorm.comp: y = (x - mean) / sqrt(var + 1e-5) * gamma + beta over each row of `dim`.
// One workgroup per row; the row's sums are reduced in shared memory.
//
// Bindings (set 0): 0 readonly Weights { float w[]; } (gamma at `weight`, beta at `bias`); 1 Work { float v[]; }
// Push constants (32 bytes, mirrored by NormPush in VulkanFusion.cs):
//   int rows, dim, x, y; int weight, bias, xStride, yStride
// Workgroup: 128 x 1 (dim up to 128 per pass; larger dims loop); dispatch `rows` groups.
layout(local_size_x = 128, local_size_y = 1, local_size_z = 1) in;

layout(std430, set = 0, binding = 0) readonly buffer Weights { float w[]; };
layout(std430, set = 0, binding = 1) buffer Work { float v[]; };

layout(push_constant) uniform Push {
    int rows; int dim; int x; int y;
    int weight; int bias; int xStride; int yStride;
} pc;

shared float part[128];

float reduceSum(float s) {
    uint t = gl_LocalInvocationID.x;
    part[t] = s;
    barrier();
    for (uint stride = 64u; stride > 0u; stride >>= 1) {
        if (t < stride) part[t] += part[t + stride];
        barrier();
    }
    float total = part[0];
    barrier();
    return total;
}

void main() {
    int r = int(gl_WorkGroupID.x);
    if (r >= pc.rows) return;
    int t = int(gl_LocalInvocationID.x);
    int xi = pc.x + r * pc.xStride, yi = pc.y + r * pc.yStride;
    float s = 0.0;
    for (int i = t; i < pc.dim; i += 128) s += v[xi + i];
    float mean = reduceSum(s) / float(pc.dim);
    float q = 0.0;
    for (int i = t; i < pc.dim; i += 128) { float d = v[xi + i] - mean; q += d * d; }
    float inv = 1.0 / sqrt(reduceSum(q) / float(pc.dim) + 1e-5);
    for (int i = t; i < pc.dim; i += 128)
        v[yi + i] = (v[xi + i] - mean) * inv * w[pc.weight + i] + w[pc.bias + i];
}
