// What the packed GEMMs (packed_gemm.c: fp32; packed_gemm_bf16.c: bf16 products, fp32 sums) share:
// the 32-column panel, a tile's epilogue (bias, residual, GELU as the tile is stored), and the
// 16 x 16 register transpose that packs a row tile. Private to CKernels.
#ifndef VTV_PACKED_TILE_H
#define VTV_PACKED_TILE_H

#include "vtv_kernels.h"

#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define PANEL 32
#define MAX_TILE_ROWS 14

// 16 floats: one AVX-512 register, two AVX2 ones. The helpers taking or returning one are always
// inlined, so the ABI question clang warns about (-Wpsabi) never arises.
#pragma clang diagnostic ignored "-Wpsabi"
typedef float v16 __attribute__((vector_size(64)));

static inline __attribute__((always_inline)) v16 load16(const float *p) {
    v16 v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline __attribute__((always_inline)) void store16(float *p, v16 v) { memcpy(p, &v, sizeof v); }

/// How a tile's sum over one K block meets C (the fused bias, residual and GELU of a Linear).
typedef struct {
    /// Added before the sum (the Linear's bias, at this panel's first column), or NULL. Only on
    /// a row's first K block.
    const float *bias;
    /// Whether C's old value is read: C = C [+ bias] + sum; otherwise C = [bias +] sum.
    int load;
    /// GELU on the result (a row's last K block).
    int gelu;
} epilogue;

/// Stores an R x 32 tile's sums over one K block: row i's columns 0-15 in lo[i], 16-31 in hi[i];
/// c[R, cols] (ldc) = epilogue(c, sums), only the first `cols` columns written.
static inline __attribute__((always_inline)) void
store_tile(const int R, const v16 *lo, const v16 *hi, float *restrict c, size_t ldc, size_t cols, epilogue e) {
    // The additions in the order of the unfused Linear: C = bias (or C + bias), then C += sum.
    if (cols == PANEL) {
        const v16 bias0 = e.bias ? load16(e.bias) : (v16){0}, bias1 = e.bias ? load16(e.bias + 16) : (v16){0};
        for (int i = 0; i < R; i++) {
            float *row = c + i * ldc;
            v16 x0 = lo[i], x1 = hi[i];
            if (e.load) {
                v16 c0 = load16(row), c1 = load16(row + 16);
                if (e.bias) {
                    c0 += bias0;
                    c1 += bias1;
                }
                x0 = c0 + x0;
                x1 = c1 + x1;
            } else if (e.bias) {
                x0 = bias0 + x0;
                x1 = bias1 + x1;
            }
            store16(row, x0);
            store16(row + 16, x1);
            if (e.gelu) vtv_gelu(row, PANEL);
        }
    } else {
        float t[PANEL];
        for (int i = 0; i < R; i++) {
            float *row = c + i * ldc;
            store16(t, lo[i]);
            store16(t + 16, hi[i]);
            for (size_t j = 0; j < cols; j++) {
                float base = e.load ? row[j] : 0;
                if (e.bias) base = e.load ? base + e.bias[j] : e.bias[j];
                row[j] = e.load || e.bias ? base + t[j] : t[j];
            }
            if (e.gelu) vtv_gelu(row, cols);
        }
    }
}

#if defined(__x86_64__)
/// The transpose of 16 rows of 16 32-bit lanes: on return step[s] holds lane s of r[0..15] (the
/// usual four shuffle stages). Lanes are floats for the fp32 GEMM, bf16 pairs for the bf16 one.
static inline __attribute__((always_inline, target("avx512f"))) void transpose16(const __m512 *r, __m512 *step) {
    __m512 t[16], u[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
        __m512d t0 = _mm512_castps_pd(t[i]), t1 = _mm512_castps_pd(t[i + 1]);
        __m512d t2 = _mm512_castps_pd(t[i + 2]), t3 = _mm512_castps_pd(t[i + 3]);
        u[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(t0, t2));      // lanes 0, 4, 8, 12 of rows i..i+3
        u[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(t0, t2));  // lanes 1, 5, 9, 13
        u[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(t1, t3));  // lanes 2, 6, 10, 14
        u[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(t1, t3));  // lanes 3, 7, 11, 15
    }
    for (int j = 0; j < 4; j++) {
        // u[j], u[4 + j], u[8 + j], u[12 + j]: lanes j, j + 4, j + 8, j + 12 of rows 0-3, 4-7, 8-11, 12-15.
        __m512 v0 = _mm512_shuffle_f32x4(u[j], u[4 + j], 0x88), v1 = _mm512_shuffle_f32x4(u[j], u[4 + j], 0xDD);
        __m512 v2 = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0x88), v3 = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0xDD);
        step[j] = _mm512_shuffle_f32x4(v0, v2, 0x88);
        step[j + 4] = _mm512_shuffle_f32x4(v1, v3, 0x88);
        step[j + 8] = _mm512_shuffle_f32x4(v0, v2, 0xDD);
        step[j + 12] = _mm512_shuffle_f32x4(v1, v3, 0xDD);
    }
}
#endif

#endif
