#version 450
// preprocess.comp: BGR24 frame -> normalised RGB NCHW tensor (N = 1) for a vision encoder.
//
// Bindings (set 0):
//   0  readonly  Src { uint src[]; }   the frame's bytes, packed 4 to a uint, from byte srcOffset (a multiple of 4:
//                                      imported host pages start before the frame); rows srcStride bytes apart
//   1  writeonly Dst                   float32: dst[c * H * W + y * W + x], c in R, G, B order
//                                      float16 (OUTPUT_F16): pairs packed with packHalf2x16, same order
// Push constants (80 bytes, mirrored by PreprocessPush in VulkanPreprocessor.cs):
//   int srcW, srcH, srcStride, dstW; int dstH, area, letterbox, srcOffset;
//   float scaleX, scaleY, originX, originY; vec4 mean; vec4 invStd
//   Output pixel (x, y) is centered at source ((x + .5) * scaleX + originX, (y + .5) * scaleY + originY).
// Filter: bilinear with half-pixel centers and clamped edges (OpenCV INTER_LINEAR), or, when
//   area != 0 and an axis shrinks, a box filter over the pixel's exact footprint on that axis.
// Letterbox: output pixels whose center falls outside the source are 0 (the mean).
// Workgroup: 16x16 invocations, one output pixel each (float32); 256 x 1, two tensor elements
//   each (float16). Same arithmetic, in the same order, as PreprocessReference.cs.
#ifdef OUTPUT_F16
layout(local_size_x = 256, local_size_y = 1, local_size_z = 1) in;
#else
layout(local_size_x = 16, local_size_y = 16, local_size_z = 1) in;
#endif

layout(std430, set = 0, binding = 0) readonly buffer Src { uint src[]; };
#ifdef OUTPUT_F16
layout(std430, set = 0, binding = 1) writeonly buffer Dst { uint dst[]; };
#else
layout(std430, set = 0, binding = 1) writeonly buffer Dst { float dst[]; };
#endif

layout(push_constant) uniform Push {
    int srcW; int srcH; int srcStride; int dstW;
    int dstH; int area; int letterbox; int srcOffset;
    float scaleX; float scaleY; float originX; float originY;
    vec4 mean;
    vec4 invStd;
} pc;

uint loadByte(uint i) { i += uint(pc.srcOffset); return (src[i >> 2] >> ((i & 3u) << 3)) & 0xFFu; }

// Taps along one axis: first..last, footprint [a, b) for area, frac for bilinear.
struct Taps { int first; int last; float a; float b; float frac; bool isArea; };

Taps taps(float center, float scale, int size) {
    Taps t;
    if (pc.area != 0 && scale > 1.0) {
        t.a = clamp(center - scale * 0.5, 0.0, float(size));
        t.b = clamp(center + scale * 0.5, 0.0, float(size));
        t.first = min(int(floor(t.a)), size - 1);
        t.last = max(min(int(ceil(t.b)) - 1, size - 1), t.first);
        t.frac = 0.0;
        t.isArea = true;
        return t;
    }
    float s = max(center - 0.5, 0.0);
    int i0 = int(s);
    float f = s - float(i0);
    if (i0 >= size - 1) { i0 = size - 1; f = 0.0; }
    t.first = i0; t.last = min(i0 + 1, size - 1); t.a = 0.0; t.b = 0.0; t.frac = f; t.isArea = false;
    return t;
}

float weight(Taps t, int i) {
    return t.isArea ? min(t.b, float(i) + 1.0) - max(t.a, float(i)) : (i == t.first ? 1.0 - t.frac : t.frac);
}

float total(Taps t) { return t.isArea ? t.b - t.a : 1.0; }

// Normalised RGB of output pixel (x, y).
vec3 pixel(int x, int y) {
    float cx = (float(x) + 0.5) * pc.scaleX + pc.originX;
    float cy = (float(y) + 0.5) * pc.scaleY + pc.originY;
    if (pc.letterbox != 0 && (cx < 0.0 || cx >= float(pc.srcW) || cy < 0.0 || cy >= float(pc.srcH)))
        return vec3(0.0);
    Taps tx = taps(cx, pc.scaleX, pc.srcW);
    Taps ty = taps(cy, pc.scaleY, pc.srcH);
    vec3 acc = vec3(0.0);
    for (int j = ty.first; j <= ty.last; j++) {
        float wy = weight(ty, j);
        vec3 row = vec3(0.0);
        for (int i = tx.first; i <= tx.last; i++) {
            float wx = weight(tx, i);
            uint p = uint(j * pc.srcStride + i * 3);
            row += wx * vec3(float(loadByte(p + 2u)), float(loadByte(p + 1u)), float(loadByte(p)));
        }
        acc += wy * row;
    }
    float norm = 1.0 / (total(tx) * total(ty) * 255.0);
    return (acc * norm - pc.mean.rgb) * pc.invStd.rgb;
}

#ifdef OUTPUT_F16
float element(uint e) {
    uint plane = uint(pc.dstW * pc.dstH);
    uint c = e / plane, p = e % plane;
    vec3 v = pixel(int(p % uint(pc.dstW)), int(p / uint(pc.dstW)));
    return c == 0u ? v.r : (c == 1u ? v.g : v.b);
}

void main() {
    uint k = gl_GlobalInvocationID.x;
    uint count = 3u * uint(pc.dstW * pc.dstH);
    if (2u * k >= count) return;
    float v0 = element(2u * k);
    float v1 = 2u * k + 1u < count ? element(2u * k + 1u) : 0.0;
    dst[k] = packHalf2x16(vec2(v0, v1));
}
#else
void main() {
    ivec2 d = ivec2(gl_GlobalInvocationID.xy);
    if (d.x >= pc.dstW || d.y >= pc.dstH) return;
    vec3 n = pixel(d.x, d.y);
    uint plane = uint(pc.dstW * pc.dstH);
    uint o = uint(d.y * pc.dstW + d.x);
    dst[o] = n.r;
    dst[o + plane] = n.g;
    dst[o + 2u * plane] = n.b;
}
#endif
