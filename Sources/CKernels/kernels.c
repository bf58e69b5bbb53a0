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
