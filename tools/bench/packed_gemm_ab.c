// Interleaved A/B of two builds of Sources/CKernels/packed_gemm.c on the 24 ViT-L encoder layers'
// products (qkv, proj, fc1, fc2) at M rows, weights streamed from memory. For every layer and
// shape the two builds run back to back (order alternating), so the VM's slow drifts hit both
// alike; the times are summed per build. Bit-for-bit agreement is checked first (the builds may
// differ in speed, not in results, unless the blocking of K changed).
//
//   git show BASE:Sources/CKernels/packed_gemm.c > /tmp/base.c
//   I=Sources/CKernels/include
//   R="-Dvtv_packed_gemm=b_packed_gemm -Dvtv_packed_linear=b_packed_linear -Dvtv_pack_weight=b_pack_weight \
//      -Dvtv_unpack_weight=b_unpack_weight -Dvtv_packed_weight_count=b_weight_count -Dvtv_packed_panels=b_panels \
//      -Dvtv_packed_tile_rows=b_tile_rows"
//   clang -O3 -c -I$I $R -o /tmp/base.o /tmp/base.c
//   clang -O3 -c -I$I -o /tmp/new.o Sources/CKernels/packed_gemm.c
//   clang -O3 -c -I$I -o /tmp/kernels.o Sources/CKernels/kernels.c
//   clang -O3 -pthread -I$I -o /tmp/packed_gemm_ab tools/bench/packed_gemm_ab.c /tmp/base.o /tmp/new.o /tmp/kernels.o
//   /tmp/packed_gemm_ab ROWS [ROUNDS] [THREADS]     # 800 4 1: a batch-32 worker; 50 8 2: one sample
//
// THREADS splits the rows as `packedGEMM` does. Prints GFLOP/s per round and the ratio base/new.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vtv_kernels.h"

int b_packed_gemm(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *packed, size_t panel0,
                  size_t panel1, float *c, size_t ldc);

enum { LAYERS = 24, SHAPES = 4, MAX_THREADS = 8 };
static const size_t shapes[SHAPES][2] = {{1024, 3072}, {1024, 1024}, {1024, 4096}, {4096, 1024}};  // {K, N}

typedef struct {
    int build;
    size_t m, n, k;
    const float *x, *packed;
    float *c;
} job;

static void *run(void *v) {
    const job *j = v;
    int status = j->build == 0 ? b_packed_gemm(j->m, j->n, j->k, j->x, j->k, j->packed, 0, vtv_packed_panels(j->n), j->c, j->n)
                               : vtv_packed_gemm(j->m, j->n, j->k, j->x, j->k, j->packed, 0, vtv_packed_panels(j->n), j->c, j->n);
    if (status) abort();
    return NULL;
}

static void product(int build, int threads, size_t m, size_t n, size_t k, const float *x, const float *packed, float *c) {
    pthread_t t[MAX_THREADS];
    job jobs[MAX_THREADS];
    for (int i = 0; i < threads; i++) {
        size_t r0 = m * i / threads, r1 = m * (i + 1) / threads;
        jobs[i] = (job){build, r1 - r0, n, k, x + r0 * k, packed, c + r0 * n};
        if (i > 0 && pthread_create(&t[i], NULL, run, &jobs[i])) abort();
    }
    run(&jobs[0]);
    for (int i = 1; i < threads; i++) pthread_join(t[i], NULL);
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: packed_gemm_ab ROWS [ROUNDS] [THREADS]\n");
        return 2;
    }
    const size_t m = (size_t)atoi(argv[1]);
    const int rounds = argc > 2 ? atoi(argv[2]) : 4, threads = argc > 3 ? atoi(argv[3]) : 1;
    if (m == 0 || rounds < 1 || threads < 1 || threads > MAX_THREADS) return 2;
    float *packed[SHAPES];
    double flops = 0;
    for (int s = 0; s < SHAPES; s++) {
        const size_t k = shapes[s][0], n = shapes[s][1], count = vtv_packed_weight_count(n, k);
        float *w = malloc(k * n * sizeof(float));
        packed[s] = malloc(count * LAYERS * sizeof(float));
        if (!w || !packed[s]) return 1;
        for (size_t i = 0; i < k * n; i++) w[i] = (float)((i * 7) % 13) * 0.01f - 0.05f;
        for (int l = 0; l < LAYERS; l++) vtv_pack_weight(w, n, k, packed[s] + l * count);
        free(w);
        flops += 2.0 * m * k * n * LAYERS;
    }
    float *x = malloc(m * 4096 * sizeof(float)), *c0 = calloc(m * 4096, sizeof(float)), *c1 = calloc(m * 4096, sizeof(float));
    if (!x || !c0 || !c1) return 1;
    for (size_t i = 0; i < m * 4096; i++) x[i] = 0.001f * (float)(i % 17) - 0.008f;
    for (int s = 0; s < SHAPES; s++) {
        const size_t k = shapes[s][0], n = shapes[s][1];
        memset(c0, 0, m * n * sizeof(float));
        memset(c1, 0, m * n * sizeof(float));
        product(0, threads, m, n, k, x, packed[s], c0);
        product(1, threads, m, n, k, x, packed[s], c1);
        if (memcmp(c0, c1, m * n * sizeof(float)) != 0) printf("note: %zux%zu results differ between the builds\n", k, n);
    }
    double total[2] = {0, 0};
    for (int r = 0; r < rounds; r++) {
        double t[2] = {0, 0};
        for (int l = 0; l < LAYERS; l++)
            for (int s = 0; s < SHAPES; s++)
                for (int j = 0; j < 2; j++) {
                    const int build = (j + l + s + r) & 1;
                    const size_t k = shapes[s][0], n = shapes[s][1];
                    const double t0 = now();
                    product(build, threads, m, n, k, x, packed[s] + l * vtv_packed_weight_count(n, k), c0);
                    t[build] += now() - t0;
                }
        total[0] += t[0];
        total[1] += t[1];
        printf("round %d: base %6.1f GFLOP/s, new %6.1f GFLOP/s, new/base speed %.3f\n", r + 1, flops / t[0] * 1e-9,
               flops / t[1] * 1e-9, t[0] / t[1]);
        fflush(stdout);
    }
    printf("M=%zu, %d thread(s), %d rounds: base %.1f GFLOP/s, new %.1f GFLOP/s, new/base speed %.3f\n", m, threads,
           rounds, flops * rounds / total[0] * 1e-9, flops * rounds / total[1] * 1e-9, total[0] / total[1]);
    return 0;
}
