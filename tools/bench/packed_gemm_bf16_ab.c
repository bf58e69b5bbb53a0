// Interleaved A/B of the fp32 and bf16 packed Linears (Sources/CKernels/packed_gemm.c and
// packed_gemm_bf16.c) on the 24 ViT-L encoder layers' products (qkv, proj, fc1, fc2) at M rows,
// weights streamed from memory (24 layers of each: 1.2 GB fp32, 0.6 GB bf16). For every layer and
// shape the two run back to back (order alternating), so the VM's drifts hit both alike; times
// are summed per precision. First, the instruction ceiling: independent chains of vfmadd231ps
// (16 multiply-adds each) against vdpbf16ps (32 each), and AVX512_FP16's vfmadd231ph (32 fp16
// multiply-adds, where the CPU has it), ns per instruction.
//
//   I=Sources/CKernels/include
//   for f in packed_gemm packed_gemm_bf16 kernels; do clang -O3 -c -I$I -o /tmp/$f.o Sources/CKernels/$f.c; done
//   clang -O3 -pthread -I$I -o /tmp/bf16_ab tools/bench/packed_gemm_bf16_ab.c /tmp/packed_gemm.o \
//       /tmp/packed_gemm_bf16.o /tmp/kernels.o -lm
//   /tmp/bf16_ab ROWS [ROUNDS] [THREADS]     # 800 3 1: a batch-32 worker; 50 3 1: one zero-shot sample
//
// THREADS splits the rows as `packedGEMM` does. Prints GFLOP/s per round and the ratio fp32/bf16 time.
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vtv_kernels.h"

enum { LAYERS = 24, SHAPES = 4, MAX_THREADS = 8, CHAINS = 24 };
static const size_t shapes[SHAPES][2] = {{1024, 3072}, {1024, 1024}, {1024, 4096}, {4096, 1024}};  // {K, N}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

/// ns per instruction of `steps` x CHAINS independent vfmadd231ps (zmm).
__attribute__((target("avx512f"), noinline)) static double fma_ns(long steps) {
    __m512 a[CHAINS], x = _mm512_set1_ps(1.0f), y = _mm512_set1_ps(0x1p-7f);
    for (int i = 0; i < CHAINS; i++) a[i] = _mm512_setzero_ps();
    const double t0 = now();
    for (long s = 0; s < steps; s++) {
        __asm__ volatile("" : "+v"(x));
        for (int i = 0; i < CHAINS; i++) a[i] = _mm512_fmadd_ps(x, y, a[i]);
    }
    const double t = now() - t0;
    __m512 sum = a[0];
    for (int i = 1; i < CHAINS; i++) sum = _mm512_add_ps(sum, a[i]);
    if (_mm512_reduce_add_ps(sum) == -1.0f) puts("");  // keeps the chains live
    return t / (double)(steps * CHAINS) * 1e9;
}

/// ns per instruction of `steps` x CHAINS independent vdpbf16ps (zmm).
__attribute__((target("avx512bf16,avx512f,avx512bw,avx512vl"), noinline)) static double dp_ns(long steps) {
    __m512 a[CHAINS];
    __m512bh x = (__m512bh)_mm512_set1_epi32(0x3f803f80), y = (__m512bh)_mm512_set1_epi32(0x3c003c00);
    for (int i = 0; i < CHAINS; i++) a[i] = _mm512_setzero_ps();
    const double t0 = now();
    for (long s = 0; s < steps; s++) {
        __asm__ volatile("" : "+v"(x));
        for (int i = 0; i < CHAINS; i++) a[i] = _mm512_dpbf16_ps(a[i], x, y);
    }
    const double t = now() - t0;
    __m512 sum = a[0];
    for (int i = 1; i < CHAINS; i++) sum = _mm512_add_ps(sum, a[i]);
    if (_mm512_reduce_add_ps(sum) == -1.0f) puts("");
    return t / (double)(steps * CHAINS) * 1e9;
}

/// ns per instruction of `steps` x CHAINS independent vfmadd231ph (zmm, 32 fp16 multiply-adds).
__attribute__((target("avx512fp16,avx512f,avx512bw,avx512vl"), noinline)) static double fp16_ns(long steps) {
    __m512h a[CHAINS], x = _mm512_set1_ph((_Float16)1.0f), y = _mm512_set1_ph((_Float16)0x1p-7f);
    for (int i = 0; i < CHAINS; i++) a[i] = _mm512_setzero_ph();
    const double t0 = now();
    for (long s = 0; s < steps; s++) {
        __asm__ volatile("" : "+v"(x));
        for (int i = 0; i < CHAINS; i++) a[i] = _mm512_fmadd_ph(x, y, a[i]);
    }
    const double t = now() - t0;
    __m512h sum = a[0];
    for (int i = 1; i < CHAINS; i++) sum = _mm512_add_ph(sum, a[i]);
    if ((float)_mm512_reduce_add_ph(sum) == -1.0f) puts("");
    return t / (double)(steps * CHAINS) * 1e9;
}

typedef struct {
    int bf16;
    size_t m, n, k;
    const float *x;
    const void *packed;
    float *c;
} job;

static void *run(void *v) {
    const job *j = v;
    const size_t panels = vtv_packed_panels(j->n);
    int status = j->bf16 ? vtv_packed_linear_bf16(j->m, j->n, j->k, j->x, j->k, j->packed, 0, panels, j->c, j->n, NULL, 0, 0)
                         : vtv_packed_linear(j->m, j->n, j->k, j->x, j->k, j->packed, 0, panels, j->c, j->n, NULL, 0, 0);
    if (status) abort();
    return NULL;
}

static void product(int bf16, int threads, size_t m, size_t n, size_t k, const float *x, const void *packed, float *c) {
    pthread_t t[MAX_THREADS];
    job jobs[MAX_THREADS];
    for (int i = 0; i < threads; i++) {
        size_t r0 = m * i / threads, r1 = m * (i + 1) / threads;
        jobs[i] = (job){bf16, r1 - r0, n, k, x + r0 * k, packed, c + r0 * n};
        if (i > 0 && pthread_create(&t[i], NULL, run, &jobs[i])) abort();
    }
    run(&jobs[0]);
    for (int i = 1; i < threads; i++) pthread_join(t[i], NULL);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: packed_gemm_bf16_ab ROWS [ROUNDS] [THREADS]\n");
        return 2;
    }
    if (!vtv_bf16_supported()) {
        fprintf(stderr, "this CPU lacks AVX512_BF16\n");
        return 1;
    }
    const size_t m = (size_t)atoi(argv[1]);
    const int rounds = argc > 2 ? atoi(argv[2]) : 3, threads = argc > 3 ? atoi(argv[3]) : 1;
    if (m == 0 || rounds < 1 || threads < 1 || threads > MAX_THREADS) return 2;
    __builtin_cpu_init();
    const int fp16 = __builtin_cpu_supports("avx512fp16");
    for (int r = 0; r < 3; r++) {
        const double f = fma_ns(4000000), d = dp_ns(4000000), h = fp16 ? fp16_ns(4000000) : 0;
        printf("instructions: vfmadd231ps %.3f ns, vdpbf16ps %.3f ns (%.2fx); bf16 multiply-adds per fp32 one's time %.2f",
               f, d, d / f, 2 * f / d);
        if (fp16) printf("; vfmadd231ph %.3f ns", h);
        printf("\n");
    }
    float *packed32[SHAPES];
    uint32_t *packed16[SHAPES];
    double flops = 0;
    for (int s = 0; s < SHAPES; s++) {
        const size_t k = shapes[s][0], n = shapes[s][1];
        float *w = malloc(k * n * sizeof(float));
        packed32[s] = malloc(vtv_packed_weight_count(n, k) * LAYERS * sizeof(float));
        packed16[s] = malloc(vtv_packed_bf16_count(n, k) * LAYERS * sizeof(uint32_t));
        if (!w || !packed32[s] || !packed16[s]) return 1;
        for (size_t i = 0; i < k * n; i++) w[i] = (float)((i * 7) % 13) * 0.01f - 0.05f;
        for (int l = 0; l < LAYERS; l++) {
            vtv_pack_weight(w, n, k, packed32[s] + l * vtv_packed_weight_count(n, k));
            vtv_pack_weight_bf16(w, n, k, packed16[s] + l * vtv_packed_bf16_count(n, k));
        }
        free(w);
        flops += 2.0 * m * k * n * LAYERS;
    }
    float *x = malloc(m * 4096 * sizeof(float)), *c = calloc(m * 4096, sizeof(float));
    if (!x || !c) return 1;
    for (size_t i = 0; i < m * 4096; i++) x[i] = 0.001f * (float)(i % 17) - 0.008f;
    double total[2] = {0, 0};
    for (int r = 0; r < rounds; r++) {
        double t[2] = {0, 0};
        for (int l = 0; l < LAYERS; l++)
            for (int s = 0; s < SHAPES; s++)
                for (int j = 0; j < 2; j++) {
                    const int bf16 = (j + l + s + r) & 1;
                    const size_t k = shapes[s][0], n = shapes[s][1];
                    const void *w = bf16 ? (const void *)(packed16[s] + l * vtv_packed_bf16_count(n, k))
                                         : (const void *)(packed32[s] + l * vtv_packed_weight_count(n, k));
                    const double t0 = now();
                    product(bf16, threads, m, n, k, x, w, c);
                    t[bf16] += now() - t0;
                }
        total[0] += t[0];
        total[1] += t[1];
        printf("round %d: fp32 %6.1f GFLOP/s, bf16 %6.1f GFLOP/s, bf16/fp32 speed %.3f\n", r + 1, flops / t[0] * 1e-9,
               flops / t[1] * 1e-9, t[0] / t[1]);
        fflush(stdout);
    }
    printf("M=%zu, %d thread(s), %d rounds: fp32 %.1f GFLOP/s, bf16 %.1f GFLOP/s, bf16/fp32 speed %.3f\n", m, threads,
           rounds, flops * rounds / total[0] * 1e-9, flops * rounds / total[1] * 1e-9, total[0] / total[1]);
    return 0;
}
