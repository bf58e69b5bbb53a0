// C += A W^T with bf16 products and fp32 sums (AVX512_BF16's vdpbf16ps): the bf16 form of the
// MAE's Linear layers (vtv_kernels.h, `vtv_packed_linear_bf16`). The fp32 kernel (packed_gemm.c)
// is the default and the reference; this one runs only where the CPU has the instruction.
//
// Rounding: W is rounded to bf16 once, when it is packed; A as each row tile is packed. Both
// round to nearest even and treat denormal inputs as zero, as vcvtne2ps2bf16 does (the scalar
// `vtv_bf16_round` and the vector packer agree bit for bit). A product of two bf16 values has at
// most 16 significant bits, so vdpbf16ps forms it exactly in fp32; what differs from fp32 is
// only the inputs' rounding (relative 2^-9 each) and the order of the sums.
//
// Sum order, per output c[i][j] and K block (what the emulation in
// Tests/ModelTests/PackedGEMMBF16Tests.swift repeats): s = 0; for each pair p of the block,
// s += a[2p+1] w[2p+1] then s += a[2p] w[2p] (vdpbf16ps: the odd element first, each addition
// rounded to nearest even, denormal sums flushed to zero); then c = [c +] [bias +] s, as the
// fp32 kernel's epilogue. A K of odd length has a zero appended to both A and W.
//
// Layouts. W, packed once: panels of 32 output features, each [ceil(k/2)][32] 32-bit words,
// word (p, j) = (w[32 * panel + j][2p] in bits 0-15, w[...][2p + 1] in bits 16-31), zero past n
// and past k: half the bytes of the fp32 panels. A row tile (at most 14 rows, 16 lanes of the
// packer's transpose): [pairs][rows] words, word (p, i) = (a[i][2p], a[i][2p + 1]), so one
// broadcast per row and step meets two vectors of W's step (columns 0-15 and 16-31).
//
// Blocking as the fp32 kernel's (K blocks of 1024 values, rows in blocks of at most 56, tiles of
// 14 rows), so a row's result does not depend on the rows around it here either. The row-tile
// scratch (56 x 512 words, 112 KiB) is allocated once per thread, on its first call, and freed
// when the thread exits: no allocation per call.

#include "packed_tile.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#define KC 1024
#define MC 56
#define KCP (KC / 2)

#if defined(__x86_64__)
#define VTV_BF16_TARGET __attribute__((target("avx512bf16,avx512f,avx512bw,avx512vl")))
#endif

int vtv_bf16_supported(void) {
#if defined(__x86_64__)
    static int supported = -1;
    if (supported < 0) {
        __builtin_cpu_init();
        supported = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                    __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bf16");
    }
    return supported;
#else
    return 0;
#endif
}

uint16_t vtv_bf16_round(float x) {
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    if ((u & 0x7f800000u) == 0) return (uint16_t)((u & 0x80000000u) >> 16);  // zero or denormal: signed zero
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x0040u);  // NaN, quieted
    u += 0x7fffu + ((u >> 16) & 1u);  // to nearest, ties to even (overflow rounds to infinity)
    return (uint16_t)(u >> 16);
}

size_t vtv_packed_bf16_count(size_t n, size_t k) { return (n + PANEL - 1) / PANEL * PANEL * ((k + 1) / 2); }

void vtv_pack_weight_bf16(const float *w, size_t n, size_t k, uint32_t *packed) {
    const size_t pairs = (k + 1) / 2, panels = (n + PANEL - 1) / PANEL;
    for (size_t panel = 0; panel < panels; panel++) {
        uint32_t *dst = packed + panel * pairs * PANEL;
        for (size_t j = 0; j < PANEL; j++) {
            const size_t row = panel * PANEL + j;
            for (size_t p = 0; p < pairs; p++) {
                uint32_t even = 0, odd = 0;
                if (row < n) {
                    even = vtv_bf16_round(w[row * k + 2 * p]);
                    if (2 * p + 1 < k) odd = vtv_bf16_round(w[row * k + 2 * p + 1]);
                }
                dst[p * PANEL + j] = even | odd << 16;
            }
        }
    }
}

void vtv_unpack_weight_bf16(const uint32_t *packed, size_t n, size_t k, float *w) {
    const size_t pairs = (k + 1) / 2;
    for (size_t row = 0; row < n; row++) {
        const uint32_t *src = packed + (row / PANEL) * pairs * PANEL + row % PANEL;
        for (size_t kk = 0; kk < k; kk++) {
            const uint32_t bits = (kk % 2 ? src[kk / 2 * PANEL] >> 16 : src[kk / 2 * PANEL] & 0xffffu) << 16;
            memcpy(w + row * k + kk, &bits, sizeof bits);
        }
    }
}

#if defined(__x86_64__)

/// The calling thread's row-tile scratch, MC x KCP words, allocated on its first call (NULL when
/// that fails) and freed by the thread's exit.
static pthread_key_t scratchKey;
static pthread_once_t scratchOnce = PTHREAD_ONCE_INIT;
static void makeScratchKey(void) { pthread_key_create(&scratchKey, free); }

static uint32_t *thread_scratch(void) {
    pthread_once(&scratchOnce, makeScratchKey);
    uint32_t *scratch = pthread_getspecific(scratchKey);
    if (!scratch) {
        scratch = aligned_alloc(64, MC * KCP * sizeof(uint32_t));
        if (scratch && pthread_setspecific(scratchKey, scratch) != 0) {
            free(scratch);
            scratch = NULL;
        }
    }
    return scratch;
}

/// One R x 32 tile: c[R, cols] (ldc) = epilogue(c, a times b) over `pairs` K pairs, a: [pairs][R]
/// words, b: [pairs][32] words (the layouts of the file comment). When `prefetch` is set, one
/// cache line of it is prefetched per pair (into L2).
static inline __attribute__((always_inline)) VTV_BF16_TARGET void
micro_tile_bf16(const int R, size_t pairs, const uint32_t *restrict a, const uint32_t *restrict b,
                float *restrict c, size_t ldc, size_t cols, const uint32_t *prefetch, epilogue e) {
    __m512 lo[MAX_TILE_ROWS], hi[MAX_TILE_ROWS];
    for (int i = 0; i < R; i++) {
        lo[i] = _mm512_setzero_ps();
        hi[i] = _mm512_setzero_ps();
    }
    for (size_t p = 0; p < pairs; p++) {
        if (prefetch) __builtin_prefetch(prefetch + p * 16, 0, 2);
        const __m512bh b0 = (__m512bh)_mm512_loadu_si512(b + p * PANEL);
        const __m512bh b1 = (__m512bh)_mm512_loadu_si512(b + p * PANEL + 16);
        for (int i = 0; i < R; i++) {
            const __m512bh s = (__m512bh)_mm512_set1_epi32((int)a[p * R + i]);
            lo[i] = _mm512_dpbf16_ps(lo[i], b0, s);
            hi[i] = _mm512_dpbf16_ps(hi[i], b1, s);
        }
    }
    v16 x0[MAX_TILE_ROWS], x1[MAX_TILE_ROWS];
    for (int i = 0; i < R; i++) {
        x0[i] = (v16)lo[i];
        x1[i] = (v16)hi[i];
    }
    store_tile(R, x0, x1, c, ldc, cols, e);
}

static inline __attribute__((always_inline)) VTV_BF16_TARGET void
tile_bf16(int rows, size_t pairs, const uint32_t *a, const uint32_t *b, float *c, size_t ldc, size_t cols,
          const uint32_t *prefetch, epilogue e) {
    // One specialisation per row count, so that each tile's accumulators live in registers.
#define TILE_CASE(R) case R: micro_tile_bf16(R, pairs, a, b, c, ldc, cols, prefetch, e); break;
    switch (rows) {
    TILE_CASE(1) TILE_CASE(2) TILE_CASE(3) TILE_CASE(4) TILE_CASE(5) TILE_CASE(6) TILE_CASE(7)
    TILE_CASE(8) TILE_CASE(9) TILE_CASE(10) TILE_CASE(11) TILE_CASE(12) TILE_CASE(13)
    default: micro_tile_bf16(MAX_TILE_ROWS, pairs, a, b, c, ldc, cols, prefetch, e); break;
    }
#undef TILE_CASE
}

/// Packs one row tile (rows <= 16) of kc values from a (lda) as bf16 pairs: dst[p * rows + i] =
/// (a[i][2p], a[i][2p + 1]) rounded, a zero past kc. 32 values of each row at a time are
/// rounded by vcvtne2ps2bf16 into 16 pairs, then the rows x 16 words are transposed.
static VTV_BF16_TARGET void pack_tile_bf16(const float *a, size_t lda, size_t rows, size_t kc, uint32_t *dst) {
    const __mmask16 rowMask = (__mmask16)((1u << rows) - 1);
    for (size_t kk = 0; kk < kc; kk += 32) {
        const size_t left = kc - kk, pairs = left < 32 ? (left + 1) / 2 : 16;
        const __mmask16 lowMask = (__mmask16)(left >= 16 ? 0xffffu : (1u << left) - 1);
        const __mmask16 highMask = (__mmask16)(left >= 32 ? 0xffffu : left > 16 ? (1u << (left - 16)) - 1 : 0);
        __m512 r[16], step[16];
        for (size_t i = 0; i < 16; i++) {
            if (i < rows) {
                const __m512 low = _mm512_maskz_loadu_ps(lowMask, a + i * lda + kk);
                const __m512 high = _mm512_maskz_loadu_ps(highMask, a + i * lda + kk + 16);
                r[i] = (__m512)_mm512_cvtne2ps_pbh(high, low);
            } else {
                r[i] = _mm512_setzero_ps();
            }
        }
        transpose16(r, step);
        for (size_t s = 0; s < pairs; s++)
            _mm512_mask_storeu_ps((float *)(dst + (kk / 2 + s) * rows), rowMask, step[s]);
    }
}

static VTV_BF16_TARGET void packed_linear_bf16(size_t m, size_t n, size_t k, const float *a, size_t lda,
                                               const uint32_t *packed, size_t panel0, size_t panel1, float *c,
                                               size_t ldc, const float *bias, int accumulate, int gelu,
                                               uint32_t *ap) {
    const size_t mr = MAX_TILE_ROWS, pairsTotal = (k + 1) / 2;
    // Row blocks of equal size, at most MC rows (60 rows: 2 x 30, not 56 + 4).
    const size_t blocks = (m + MC - 1) / MC;
    const size_t mcMax = (m + blocks - 1) / blocks;
    for (size_t k0 = 0; k0 < k; k0 += KC) {
        const size_t kc = k - k0 < KC ? k - k0 : KC, pairs = (kc + 1) / 2, p0 = k0 / 2;
        for (size_t m0 = 0; m0 < m; m0 += mcMax) {
            const size_t mc = m - m0 < mcMax ? m - m0 : mcMax;
            const size_t tiles = (mc + mr - 1) / mr;
            const size_t base = mc / tiles, extra = mc % tiles;
            uint32_t *dst = ap;
            for (size_t t = 0, r0 = 0; t < tiles; t++) {
                const size_t rows = base + (t < extra);
                pack_tile_bf16(a + (m0 + r0) * lda + k0, lda, rows, kc, dst);
                dst += pairs * rows;
                r0 += rows;
            }
            for (size_t p = panel0; p < panel1; p++) {
                const uint32_t *b = packed + (p * pairsTotal + p0) * PANEL;
                const uint32_t *next = p + 1 < panel1 ? packed + ((p + 1) * pairsTotal + p0) * PANEL : NULL;
                const size_t cols = n - p * PANEL < PANEL ? n - p * PANEL : PANEL;
                const uint32_t *tileA = ap;
                for (size_t t = 0, r0 = 0; t < tiles; t++) {
                    const size_t rows = base + (t < extra);
                    // The next panel's slice is 2 * pairs cache lines: the first two tiles fetch it.
                    const uint32_t *pf = next && t < 2 ? next + t * pairs * 16 : NULL;
                    const epilogue e = {k0 == 0 && bias ? bias + p * PANEL : NULL, k0 > 0 || accumulate,
                                        gelu && k0 + kc == k};
                    tile_bf16((int)rows, pairs, tileA, b, c + (m0 + r0) * ldc + p * PANEL, ldc, cols, pf, e);
                    tileA += pairs * rows;
                    r0 += rows;
                }
            }
        }
    }
}

#endif

int vtv_packed_linear_bf16(size_t m, size_t n, size_t k, const float *a, size_t lda, const uint32_t *packed,
                           size_t panel0, size_t panel1, float *c, size_t ldc, const float *bias, int accumulate,
                           int gelu) {
#if defined(__x86_64__)
    if (!vtv_bf16_supported()) return -2;
    if (m == 0 || panel0 >= panel1) return 0;
    uint32_t *ap = thread_scratch();
    if (!ap) return -1;
    packed_linear_bf16(m, n, k, a, lda, packed, panel0, panel1, c, ldc, bias, accumulate, gelu, ap);
    return 0;
#else
    return -2;
#endif
}
