// C += A W^T with W packed once into 32-column panels: the MAE's Linear layers (vtv_kernels.h).
//
// Why not OpenBLAS here: at the row counts of one sample (50-197 tokens) OpenBLAS repacks every
// weight panel on every call, which serialises the weight stream from memory with the arithmetic
// (a quarter of a batch-1 ViT-L forward). Packed once at load time, the panels stream straight
// into the micro-kernel, and the next panel is prefetched while the current one is multiplied.
//
// Blocking (GotoBLAS order): K in blocks of KC, rows in blocks of at most MC packed tile by tile,
// then for each panel slice [KC x 32] (128 KB, in L2 after the prefetch) every row tile of the
// block. A row tile has at most `tile_rows()` rows: 14 with AVX-512 (28 accumulators; 6% faster
// than 12 in 5 interleaved rounds at 25 rows, the rows one of two threads gets for one sample),
// 3 with AVX2, 2 otherwise; the rows of a block are split into tiles as evenly as possible (25
// rows: 13 + 12).
//
// KC 1024 and MC 56 (four 14-row tiles): against KC 256 and MC 768 (the first version, whose
// panel slice stayed in L1), 14% faster at 800 rows on one thread (a batch-32 worker: C is
// read and written once per K block, a quarter as often) and 2-3% faster at 25-100 rows, in
// interleaved A/B runs (docs/benchmarks.md, "K blocks of 1024"). KC is the same for every row
// count on purpose: each output is then summed in the same order whatever the rows around it,
// so a sample's result never depends on its batch.

#include "packed_tile.h"

#include <stdlib.h>

#if defined(__x86_64__) && !defined(VTV_NO_CLONES)
#define VTV_CLONES __attribute__((target_clones("avx512f", "arch=haswell", "default")))
#else
#define VTV_CLONES
#endif

#define KC 1024
#define MC 56

size_t vtv_packed_weight_count(size_t n, size_t k) { return (n + PANEL - 1) / PANEL * PANEL * k; }

size_t vtv_packed_panels(size_t n) { return (n + PANEL - 1) / PANEL; }

void vtv_pack_weight(const float *w, size_t n, size_t k, float *packed) {
    size_t panels = vtv_packed_panels(n);
    for (size_t p = 0; p < panels; p++) {
        float *dst = packed + p * k * PANEL;
        for (size_t j = 0; j < PANEL; j++) {
            size_t row = p * PANEL + j;
            if (row < n) {
                const float *src = w + row * k;
                for (size_t kk = 0; kk < k; kk++) dst[kk * PANEL + j] = src[kk];
            } else {
                for (size_t kk = 0; kk < k; kk++) dst[kk * PANEL + j] = 0;
            }
        }
    }
}

void vtv_unpack_weight(const float *packed, size_t n, size_t k, float *w) {
    for (size_t row = 0; row < n; row++) {
        const float *src = packed + (row / PANEL) * k * PANEL + row % PANEL;
        for (size_t kk = 0; kk < k; kk++) w[row * k + kk] = src[kk * PANEL];
    }
}

/// The widest row tile this CPU's registers hold (see the file comment).
static int tile_rows(void) {
#if defined(__x86_64__)
    static int rows = 0;
    if (rows == 0) {
        __builtin_cpu_init();
        rows = __builtin_cpu_supports("avx512f") ? 14 : (__builtin_cpu_supports("avx2") ? 3 : 2);
    }
    return rows;
#else
    return 4;
#endif
}

int vtv_packed_tile_rows(void) { return tile_rows(); }

/// One R x 32 tile: c[R, cols] (ldc) = epilogue(c, a[kc, R] (packed: row i of step kk at
/// kk * R + i) times b[kc, 32]). When `prefetch` is set, one cache line of it is prefetched per
/// step (into L2).
static inline __attribute__((always_inline)) void
micro_tile(const int R, size_t kc, const float *restrict a, const float *restrict b,
           float *restrict c, size_t ldc, size_t cols, const float *prefetch, epilogue e) {
#pragma clang fp contract(fast)
    v16 lo[MAX_TILE_ROWS], hi[MAX_TILE_ROWS];
    for (int i = 0; i < R; i++) {
        lo[i] = (v16){0};
        hi[i] = (v16){0};
    }
    // Two copies of the loop keep the prefetch test out of the hot one.
    if (prefetch) {
        for (size_t kk = 0; kk < kc; kk++) {
            __builtin_prefetch(prefetch + kk * 16, 0, 2);
            v16 b0 = load16(b + kk * PANEL), b1 = load16(b + kk * PANEL + 16);
            for (int i = 0; i < R; i++) {
                float s = a[kk * R + i];
                lo[i] += s * b0;
                hi[i] += s * b1;
            }
        }
    } else {
        for (size_t kk = 0; kk < kc; kk++) {
            v16 b0 = load16(b + kk * PANEL), b1 = load16(b + kk * PANEL + 16);
            for (int i = 0; i < R; i++) {
                float s = a[kk * R + i];
                lo[i] += s * b0;
                hi[i] += s * b1;
            }
        }
    }
    store_tile(R, lo, hi, c, ldc, cols, e);
}

static inline __attribute__((always_inline)) void
tile(int rows, size_t kc, const float *a, const float *b, float *c, size_t ldc, size_t cols,
     const float *prefetch, epilogue e) {
    // One specialisation per row count, so that each tile's accumulators live in registers.
#define TILE_CASE(R) case R: micro_tile(R, kc, a, b, c, ldc, cols, prefetch, e); break;
    switch (rows) {
    TILE_CASE(1) TILE_CASE(2) TILE_CASE(3) TILE_CASE(4) TILE_CASE(5) TILE_CASE(6) TILE_CASE(7)
    TILE_CASE(8) TILE_CASE(9) TILE_CASE(10) TILE_CASE(11) TILE_CASE(12) TILE_CASE(13)
    default: micro_tile(MAX_TILE_ROWS, kc, a, b, c, ldc, cols, prefetch, e); break;
    }
#undef TILE_CASE
}

/// Packs one row tile for the micro-kernel: dst[kk * rows + i] = a[i * lda + kk] for i < rows,
/// kk < kc (the tile's rows interleaved per step).
static void pack_tile_generic(const float *a, size_t lda, size_t rows, size_t kc, float *dst) {
    for (size_t kk = 0; kk < kc; kk++)
        for (size_t i = 0; i < rows; i++) dst[kk * rows + i] = a[i * lda + kk];
}

#if defined(__x86_64__)
/// pack_tile_generic for at most 16 rows with AVX-512: 16 steps at a time, the rows x 16 block
/// loaded row by row, transposed in registers (the usual four shuffle stages) and stored one step
/// (`rows` floats) at a time. Same values, about a tenth of the instructions.
__attribute__((target("avx512f"))) static void pack_tile_avx512(const float *a, size_t lda, size_t rows, size_t kc,
                                                               float *dst) {
    const __mmask16 rowMask = (__mmask16)((1u << rows) - 1);
    for (size_t kk = 0; kk < kc; kk += 16) {
        const size_t steps = kc - kk < 16 ? kc - kk : 16;
        const __mmask16 stepMask = (__mmask16)((1u << steps) - 1);
        __m512 r[16], step[16];
        for (size_t i = 0; i < 16; i++) r[i] = i < rows ? _mm512_maskz_loadu_ps(stepMask, a + i * lda + kk) : _mm512_setzero_ps();
        transpose16(r, step);
        for (size_t s = 0; s < steps; s++) _mm512_mask_storeu_ps(dst + (kk + s) * rows, rowMask, step[s]);
    }
}
#endif

static void pack_tile(const float *a, size_t lda, size_t rows, size_t kc, float *dst) {
#if defined(__x86_64__)
    if (rows <= 16 && tile_rows() >= 14) {
        pack_tile_avx512(a, lda, rows, kc, dst);
        return;
    }
#endif
    pack_tile_generic(a, lda, rows, kc, dst);
}

VTV_CLONES
int vtv_packed_linear(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *packed,
                      size_t panel0, size_t panel1, float *c, size_t ldc, const float *bias, int accumulate,
                      int gelu) {
    if (m == 0 || panel0 >= panel1) return 0;
    const size_t mr = (size_t)tile_rows();
    // Row blocks of equal size, at most MC rows (60 rows: 2 x 30, not 56 + 4).
    const size_t blocks = (m + MC - 1) / MC;
    const size_t mcMax = (m + blocks - 1) / blocks;
    const size_t kcMax = k < KC ? k : KC;
    float *ap = malloc(mcMax * kcMax * sizeof(float));
    if (!ap) return -1;
    for (size_t k0 = 0; k0 < k; k0 += KC) {
        const size_t kc = k - k0 < KC ? k - k0 : KC;
        for (size_t m0 = 0; m0 < m; m0 += mcMax) {
            const size_t mc = m - m0 < mcMax ? m - m0 : mcMax;
            const size_t tiles = (mc + mr - 1) / mr;
            const size_t base = mc / tiles, extra = mc % tiles;
            // Pack the block's rows tile by tile: tile t's rows interleaved per step, [kc][rows].
            float *dst = ap;
            for (size_t t = 0, r0 = 0; t < tiles; t++) {
                const size_t rows = base + (t < extra);
                pack_tile(a + (m0 + r0) * lda + k0, lda, rows, kc, dst);
                dst += kc * rows;
                r0 += rows;
            }
            for (size_t p = panel0; p < panel1; p++) {
                const float *b = packed + (p * k + k0) * PANEL;
                const float *next = p + 1 < panel1 ? packed + ((p + 1) * k + k0) * PANEL : NULL;
                const size_t cols = n - p * PANEL < PANEL ? n - p * PANEL : PANEL;
                const float *tileA = ap;
                for (size_t t = 0, r0 = 0; t < tiles; t++) {
                    const size_t rows = base + (t < extra);
                    // The next panel's slice is 2 * kc cache lines: the first two tiles fetch it.
                    const float *pf = next && t < 2 ? next + t * kc * 16 : NULL;
                    const epilogue e = {k0 == 0 && bias ? bias + p * PANEL : NULL, k0 > 0 || accumulate,
                                        gelu && k0 + kc == k};
                    tile((int)rows, kc, tileA, b, c + (m0 + r0) * ldc + p * PANEL, ldc, cols, pf, e);
                    tileA += kc * rows;
                    r0 += rows;
                }
            }
        }
    }
    free(ap);
    return 0;
}

int vtv_packed_gemm(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *packed,
                    size_t panel0, size_t panel1, float *c, size_t ldc) {
    return vtv_packed_linear(m, n, k, a, lda, packed, panel0, panel1, c, ldc, NULL, 1, 0);
}
