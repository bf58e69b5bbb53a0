// Element-wise kernels, cloned per instruction set (see vtv_kernels.h).

#include "vtv_kernels.h"

#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && !defined(VTV_NO_CLONES)
#define VTV_CLONES __attribute__((target_clones("avx512f", "arch=haswell", "default")))
#else
#define VTV_CLONES
#endif

// e^x with Cephes' expf polynomial, the same steps as fastExp in FastExp.swift: clamp, round
// x*log2(e) to n by the 1.5 * 2^23 trick, reduce, polynomial, scale by 2^n through the bits.
static inline float fast_exp(float x) {
    x = x < -87.3f ? -87.3f : (x > 88.7f ? 88.7f : x);
    float shifted = x * 1.44269504f + 12582912.0f;
    float n = shifted - 12582912.0f;
    float r = x - n * 0.693359375f - n * -2.1219444e-4f;
    float p = 1.98756915e-4f * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    float er = p * (r * r) + r + 1.0f;
    int32_t bits;
    memcpy(&bits, &shifted, sizeof bits);
    int32_t e = (bits - 0x4B400000 + 127) << 23;
    float scale;
    memcpy(&scale, &e, sizeof scale);
    return er * scale;
}

static inline float erf_approximation(float a) {
    float x = a < -4.0f ? -4.0f : (a > 4.0f ? 4.0f : a);
    float x2 = x * x;
    float p = x2 * -2.72614225801306e-10f + 2.77068142495902e-08f;
    p = x2 * p + -2.10102402082508e-06f;
    p = x2 * p + -5.69250639462346e-05f;
    p = x2 * p + -7.34990630326855e-04f;
    p = x2 * p + -2.95459980854025e-03f;
    p = x2 * p + -1.60960333262415e-02f;
    p = x * p;
    float q = x2 * -1.45660718464996e-05f + -2.13374055278905e-04f;
    q = x2 * q + -1.68282697438203e-03f;
    q = x2 * q + -7.37332916720468e-03f;
    q = x2 * q + -1.42647390514189e-02f;
    return p / q;
}

VTV_CLONES
void vtv_affine(const float *x, float *y, size_t count, float scale, float shift, int swish) {
    if (swish) {
        for (size_t i = 0; i < count; i++) {
            float v = x[i] * scale + shift;
            y[i] = v / (1.0f + fast_exp(-v));
        }
    } else {
        for (size_t i = 0; i < count; i++) y[i] = x[i] * scale + shift;
    }
}

VTV_CLONES
void vtv_gelu(float *x, size_t count) {
    for (size_t i = 0; i < count; i++) {
        float v = x[i];
        x[i] = 0.5f * v * (1.0f + erf_approximation(v * 0.70710678118654752f));
    }
}

// Winograd F(2x2, 3x3) transforms; the layouts and formulas are documented in
// Sources/Model/Kernels/Winograd.swift.

VTV_CLONES
void vtv_winograd_input_channel(const float *rows, float *out, size_t stride, size_t width, size_t tileRows,
                                float *scratch) {
    const size_t pw = width + 2, tilesX = width / 2, span = tilesX + 1;
    float *e = scratch, *o = scratch + 4 * span;
    for (size_t k = 0; k < tileRows; k++) {
        const float *r0 = rows + 2 * k * pw, *r1 = r0 + pw, *r2 = r1 + pw, *r3 = r2 + pw;
        float *restrict e0 = e, *restrict e1 = e + span, *restrict e2 = e + 2 * span, *restrict e3 = e + 3 * span;
        float *restrict o0 = o, *restrict o1 = o + span, *restrict o2 = o + 2 * span, *restrict o3 = o + 3 * span;
        for (size_t j = 0; j < span; j++) {
            size_t a = 2 * j, b = a + 1;
            e0[j] = r0[a] - r2[a]; o0[j] = r0[b] - r2[b];
            e1[j] = r1[a] + r2[a]; o1[j] = r1[b] + r2[b];
            e2[j] = r2[a] - r1[a]; o2[j] = r2[b] - r1[b];
            e3[j] = r1[a] - r3[a]; o3[j] = r1[b] - r3[b];
        }
        float *tile = out + k * tilesX;
        for (size_t i = 0; i < 4; i++) {
            const float *restrict ei = e + i * span, *restrict oi = o + i * span;
            float *restrict d0 = tile + (4 * i) * stride, *restrict d1 = d0 + stride;
            float *restrict d2 = d1 + stride, *restrict d3 = d2 + stride;
            for (size_t tx = 0; tx < tilesX; tx++) {
                d0[tx] = ei[tx] - ei[tx + 1];
                d1[tx] = oi[tx] + ei[tx + 1];
                d2[tx] = ei[tx + 1] - oi[tx];
                d3[tx] = oi[tx] - oi[tx + 1];
            }
        }
    }
}

VTV_CLONES
void vtv_winograd_output(const float *m, float *y, size_t cOut, size_t height, size_t width,
                         size_t tileRow0, size_t tileRows, size_t stride, const float *bias, int accumulate) {
    const size_t tilesX = width / 2, n = tileRows * tilesX;
    for (size_t c = 0; c < cOut; c++) {
        const float bc = bias[c];
        for (size_t k = 0; k < tileRows; k++) {
            const float *p = m + c * n + k * tilesX;
            float *restrict y0 = y + (c * height + 2 * (tileRow0 + k)) * width, *restrict y1 = y0 + width;
            for (size_t tx = 0; tx < tilesX; tx++) {
                const float *q = p + tx;
                float s00 = q[0] + q[4 * stride] + q[8 * stride];
                float s01 = q[stride] + q[5 * stride] + q[9 * stride];
                float s02 = q[2 * stride] + q[6 * stride] + q[10 * stride];
                float s03 = q[3 * stride] + q[7 * stride] + q[11 * stride];
                float s10 = q[4 * stride] - q[8 * stride] - q[12 * stride];
                float s11 = q[5 * stride] - q[9 * stride] - q[13 * stride];
                float s12 = q[6 * stride] - q[10 * stride] - q[14 * stride];
                float s13 = q[7 * stride] - q[11 * stride] - q[15 * stride];
                float v00 = s00 + s01 + s02 + bc, v01 = s01 - s02 - s03 + bc;
                float v10 = s10 + s11 + s12 + bc, v11 = s11 - s12 - s13 + bc;
                size_t x = 2 * tx;
                if (accumulate) {
                    y0[x] += v00; y0[x + 1] += v01; y1[x] += v10; y1[x + 1] += v11;
                } else {
                    y0[x] = v00; y0[x + 1] = v01; y1[x] = v10; y1[x + 1] = v11;
                }
            }
        }
    }
}
