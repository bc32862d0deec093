#version 450
// overlay.comp: blend an attention map, upsampled and colored, over a BGR24 frame.
//
// Bindings (set 0):
//   0  readonly  Src  { uint src[]; }   the frame's bytes, 4 to a uint; rows `stride` bytes apart
//   1  readonly  Grid { float grid[]; } attention values in [0, 1], gridH rows of gridW (row-major)
//   2  writeonly Dst  { uint dst[]; }   blended frame, tightly packed BGR24 (width * 3 bytes a row), 4 bytes to a uint
// Push constants (48 bytes, mirrored by OverlayPush in VulkanOverlayRenderer.cs):
//   int width, height, stride, gridW; int gridH, colormap (0 turbo, 1 viridis), pad0, pad1;
//   float scaleX, scaleY (grid cells per frame pixel), alpha, pad2
// Per pixel: v = bilinear sample of the grid at ((x + .5) * scaleX, (y + .5) * scaleY) with
//   half-pixel centers and clamped edges; heat = colormap(v) * 255; a = alpha * v;
//   out = round(frame * (1 - a) + heat * a). Same arithmetic and order as OverlayReference.cs.
// Workgroup: 256 x 1 invocations; each writes one uint (4 output bytes, from at most 2 pixels).
layout(local_size_x = 256, local_size_y = 1, local_size_z = 1) in;

layout(std430, set = 0, binding = 0) readonly buffer Src { uint src[]; };
layout(std430, set = 0, binding = 1) readonly buffer Grid { float grid[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Dst { uint dst[]; };

layout(push_constant) uniform Push {
    int width; int height; int stride; int gridW;
    int gridH; int colormap; int pad0; int pad1;
    float scaleX; float scaleY; float alpha; float pad2;
} pc;

uint loadByte(uint i) { return (src[i >> 2] >> ((i & 3u) << 3)) & 0xFFu; }

vec3 turbo(float t) {
    precise float x = clamp(t, 0.0, 1.0);
    precise float x2 = x * x, x3 = x2 * x, x4 = x2 * x2, x5 = x4 * x;
    precise float r = 0.13572138 + 4.61539260 * x - 42.66032258 * x2 + 132.13108234 * x3 - 152.94239396 * x4 + 59.28637943 * x5;
    precise float g = 0.09140261 + 2.19418839 * x + 4.84296658 * x2 - 14.18503333 * x3 + 4.27729857 * x4 + 2.82956604 * x5;
    precise float b = 0.10667330 + 12.64194608 * x - 60.58204836 * x2 + 110.36276771 * x3 - 89.90310912 * x4 + 27.34824973 * x5;
    return clamp(vec3(r, g, b), 0.0, 1.0);
}

vec3 viridis(float t) {
    precise float x = clamp(t, 0.0, 1.0);
    const vec3 c0 = vec3(0.2777273272, 0.0054073445, 0.3340998053);
    const vec3 c1 = vec3(0.1050930431, 1.4046135299, 1.3845901626);
    const vec3 c2 = vec3(-0.3308618287, 0.2148475595, 0.0950951630);
    const vec3 c3 = vec3(-4.6342304990, -5.7991009734, -19.3324409563);
    const vec3 c4 = vec3(6.2282699363, 14.1799333668, 56.6905526007);
    const vec3 c5 = vec3(4.7763849977, -13.7451453777, -65.3530326334);
    const vec3 c6 = vec3(-5.4354558559, 4.6458526122, 26.3124352496);
    precise vec3 v = c0 + x * (c1 + x * (c2 + x * (c3 + x * (c4 + x * (c5 + x * c6)))));
    return clamp(v, 0.0, 1.0);
}

// Bilinear taps along one grid axis (as PreprocessGeometry.Taps without area).
void taps(float center, int size, out int i0, out int i1, out float f) {
    float s = max(center - 0.5, 0.0);
    i0 = int(s);
    f = s - float(i0);
    if (i0 >= size - 1) { i0 = size - 1; f = 0.0; }
    i1 = min(i0 + 1, size - 1);
}

uvec3 blended(int x, int y) {
    int x0, x1, y0, y1; float fx, fy;
    taps((float(x) + 0.5) * pc.scaleX, pc.gridW, x0, x1, fx);
    taps((float(y) + 0.5) * pc.scaleY, pc.gridH, y0, y1, fy);
    precise float top = grid[y0 * pc.gridW + x0] * (1.0 - fx) + grid[y0 * pc.gridW + x1] * fx;
    precise float bottom = grid[y1 * pc.gridW + x0] * (1.0 - fx) + grid[y1 * pc.gridW + x1] * fx;
    precise float v = top * (1.0 - fy) + bottom * fy;
    precise vec3 heat = (pc.colormap == 1 ? viridis(v) : turbo(v)) * 255.0;
    precise float a = pc.alpha * v;
    uint p = uint(y * pc.stride + x * 3);
    precise vec3 bgr = vec3(float(loadByte(p)), float(loadByte(p + 1u)), float(loadByte(p + 2u))) * (1.0 - a) + heat.zyx * a;
    return uvec3(clamp(floor(bgr + 0.5), 0.0, 255.0));
}

void main() {
    uint k = gl_GlobalInvocationID.x;
    uint total = uint(pc.width * pc.height * 3);
    if (4u * k >= total) return;
    uint word = 0u;
    int cached = -1;
    uvec3 color = uvec3(0u);
    for (uint j = 0u; j < 4u; j++) {
        uint b = 4u * k + j;
        if (b >= total) break;
        int pixel = int(b / 3u);
        if (pixel != cached) {
            color = blended(pixel % pc.width, pixel / pc.width);
            cached = pixel;
        }
        uint ch = b % 3u;
        word |= (ch == 0u ? color.x : (ch == 1u ? color.y : color.z)) << (8u * j);
    }
    dst[k] = word;
}
