#ifndef VTV_KERNELS_H
#define VTV_KERNELS_H
// Element-wise kernels (and the Winograd transforms) that run between the SGEMMs, in C so that they are compiled for the CPU
// they run on: each function is cloned for AVX-512, AVX2+FMA and baseline x86-64, and the dynamic
// loader picks the best clone once (GCC/Clang `target_clones`). Swift code in this package is
// built for baseline x86-64, where the same loops vectorize only at SSE width.
// The formulas are those of Sources/Model/Kernels (GELU.swift, FastExp.swift), float32.

#include <stddef.h>
#include <stdint.h>

/// y[i] = x[i] * scale + shift, then swish (v / (1 + e^-v)) when `swish` is non-zero.
/// x, y: [count]; may be the same buffer.
void vtv_affine(const float *x, float *y, size_t count, float scale, float shift, int swish);

/// GELU in place, exact form x * (1 + erf(x / sqrt 2)) / 2 with erf by the Eigen/XLA rational
/// approximation. x: [count].
void vtv_gelu(float *x, size_t count);

/// Winograd F(2x2, 3x3) input transform V = Bᵀ d B of one channel's tile rows
/// tileRow0..<tileRow0+tileRows (even width): rows: the channel's padded rows 2*tileRow0 ..<
/// 2*(tileRow0+tileRows)+2, each width+2 floats, consecutive (from a bordered image, or bordered
/// as read); out: the channel's place in v, [16, cIn, tileRows * width/2] whose 16 positions lie
/// `stride` floats apart (v + c * tileRows * width/2); scratch: 8 * (width/2 + 1) floats.
/// Formulas and layouts: Sources/Model/Kernels/Winograd.swift.
void vtv_winograd_input_channel(const float *rows, float *out, size_t stride, size_t width, size_t tileRows,
                                float *scratch);

/// Winograd F(2x2, 3x3) output transform Y = Aᵀ M A + bias (added to y when `accumulate`).
/// m: [16, cOut, tileRows * width/2], its 16 positions `stride` (at least cOut * tileRows *
/// width/2) floats apart; y: [cOut, height, width]; bias: [cOut].
void vtv_winograd_output(const float *m, float *y, size_t cOut, size_t height, size_t width,
                         size_t tileRow0, size_t tileRows, size_t stride, const float *bias, int accumulate);

/// Floats of a Linear weight [n, k] packed into 32-column panels: ceil(n / 32) * 32 * k.
size_t vtv_packed_weight_count(size_t n, size_t k);

/// Panels of a packed weight with n output features: ceil(n / 32).
size_t vtv_packed_panels(size_t n);

/// Packs a PyTorch Linear weight w [n, k] (row-major) into panels: packed[p][kk][j] =
/// w[p * 32 + j][kk], zero where p * 32 + j >= n. packed: [vtv_packed_weight_count(n, k)].
void vtv_pack_weight(const float *w, size_t n, size_t k, float *packed);

/// The inverse of vtv_pack_weight: w [n, k] row-major.
void vtv_unpack_weight(const float *packed, size_t n, size_t k, float *w);

/// Rows of the packed GEMM's micro-kernel tile on this CPU: 14 (AVX-512), 3 (AVX2) or 2.
int vtv_packed_tile_rows(void);

/// c[m, n] (leading dimension ldc) += a[m, k] (leading dimension lda) * w^T for the output columns
/// of panels panel0..<panel1 (columns 32 * panel0 ..< min(n, 32 * panel1)), w packed by
/// vtv_pack_weight. Single-threaded; callers split the rows (or panels) between threads. Returns
/// 0, or -1 when the row-packing scratch (at most 56 x 1024 floats) cannot be allocated.
int vtv_packed_gemm(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *packed,
                    size_t panel0, size_t panel1, float *c, size_t ldc);

/// A whole Linear layer in one pass over c, as vtv_packed_gemm otherwise:
/// c = [c +] bias + a * w^T, then GELU (vtv_gelu) when `gelu` is non-zero. c's old value is
/// read only when `accumulate` (a residual stream); bias: [n] or NULL. The additions happen in
/// the order of the unfused steps (c = bias or c + bias, then c += the product), so the result is
/// bit for bit that of filling c with the bias, vtv_packed_gemm, then vtv_gelu.
int vtv_packed_linear(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *packed,
                      size_t panel0, size_t panel1, float *c, size_t ldc, const float *bias, int accumulate,
                      int gelu);

// The bf16 form of the packed Linear (packed_gemm_bf16.c): bf16 products (AVX512_BF16's vdpbf16ps),
// fp32 sums. Opt-in; the fp32 functions above are the default and the reference.

/// 1 when this CPU has AVX-512 with BF16 (vdpbf16ps, vcvtne2ps2bf16), else 0.
int vtv_bf16_supported(void);

/// x rounded to bf16 as vcvtne2ps2bf16 does: to nearest, ties to even; denormals to signed zero;
/// NaN quieted. Returns the bf16's 16 bits (the high half of its fp32 pattern).
uint16_t vtv_bf16_round(float x);

/// 32-bit words of a Linear weight [n, k] packed as bf16 pairs: ceil(n / 32) * 32 * ceil(k / 2).
size_t vtv_packed_bf16_count(size_t n, size_t k);

/// Packs w [n, k] (row-major) rounded to bf16: packed[panel][p][j] = w[32 panel + j][2p] in bits
/// 0-15, w[32 panel + j][2p + 1] in bits 16-31; zero past n and k. packed: [vtv_packed_bf16_count(n, k)].
/// Runs on any CPU.
void vtv_pack_weight_bf16(const float *w, size_t n, size_t k, uint32_t *packed);

/// The rounded weights back as floats: w [n, k] row-major.
void vtv_unpack_weight_bf16(const uint32_t *packed, size_t n, size_t k, float *w);

/// vtv_packed_linear with w packed by vtv_pack_weight_bf16 and a rounded to bf16 as it is packed;
/// sums in fp32 (order: packed_gemm_bf16.c). Single-threaded. Returns 0; -1 when the thread's
/// row-tile scratch (112 KiB, allocated on its first call) cannot be allocated; -2 when the CPU
/// lacks AVX512_BF16 (vtv_bf16_supported() == 0), with c untouched.
int vtv_packed_linear_bf16(size_t m, size_t n, size_t k, const float *a, size_t lda, const uint32_t *packed,
                           size_t panel0, size_t panel1, float *c, size_t ldc, const float *bias, int accumulate,
                           int gelu);

#endif
