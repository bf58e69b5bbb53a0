#ifndef VTV_KERNELS_H
#define VTV_KERNELS_H
// Element-wise kernels that run between the SGEMMs, in C so that they are compiled for the CPU
// they run on: each function is cloned for AVX-512, AVX2+FMA and baseline x86-64, and the dynamic
// loader picks the best clone once (GCC/Clang `target_clones`). Swift code in this package is
// built for baseline x86-64, where the same loops vectorize only at SSE width.
// The formulas are those of Sources/Model/Kernels (GELU.swift, FastExp.swift), float32.

#include <stddef.h>

/// y[i] = x[i] * scale + shift, then swish (v / (1 + e^-v)) when `swish` is non-zero.
/// x, y: [count]; may be the same buffer.
void vtv_affine(const float *x, float *y, size_t count, float scale, float shift, int swish);

/// GELU in place, exact form x * (1 + erf(x / sqrt 2)) / 2 with erf by the Eigen/XLA rational
/// approximation. x: [count].
void vtv_gelu(float *x, size_t count);

#endif
