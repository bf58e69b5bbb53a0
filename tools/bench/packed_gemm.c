// vtv's packed GEMM (Sources/CKernels/packed_gemm.c, the MAE's Linears) against OpenBLAS sgemm on
// the 24 ViT-L encoder layers' products (qkv, proj, fc1, fc2) at M rows, weights streamed from
// memory as in a forward pass, interleaved, 3 rounds. Checks the results agree first.
//   clang -O3 -pthread -I Sources/CKernels/include -o /tmp/packed_gemm tools/bench/packed_gemm.c \
//       Sources/CKernels/packed_gemm.c $(pkg-config --cflags --libs openblas)
//   OPENBLAS_CORETYPE=SkylakeX /tmp/packed_gemm 50 [THREADS]     # 50: one zero-shot sample
// THREADS (default 2): OpenBLAS threads; vtv splits the rows between as many threads, as
// `packedGEMM` does.
#include <cblas.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "vtv_kernels.h"

extern void openblas_set_num_threads(int);

enum { LAYERS = 24, SHAPES = 4 };
static const int shapes[SHAPES][2] = {{1024, 3072}, {1024, 1024}, {1024, 4096}, {4096, 1024}};  // {K, N}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

typedef struct {
    size_t m, n, k;
    const float *x, *packed;
    float *c;
} job;

static void *run(void *v) {
    job *j = v;
    if (vtv_packed_gemm(j->m, j->n, j->k, j->x, j->k, j->packed, 0, vtv_packed_panels(j->n), j->c, j->n)) abort();
    return 0;
}

static void packed_product(int threads, size_t m, size_t n, size_t k, const float *x, const float *packed, float *c) {
    pthread_t t[16];
    job jobs[16];
    for (int i = 0; i < threads; i++) {
        size_t r0 = m * i / threads, r1 = m * (i + 1) / threads;
        jobs[i] = (job){r1 - r0, n, k, x + r0 * k, packed, c + r0 * n};
        pthread_create(&t[i], 0, run, &jobs[i]);
    }
    for (int i = 0; i < threads; i++) pthread_join(t[i], 0);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: packed_gemm ROWS [THREADS]\n");
        return 2;
    }
    size_t m = (size_t)atoi(argv[1]);
    int threads = argc > 2 ? atoi(argv[2]) : 2;
    if (threads < 1 || threads > 16) return 2;
    float *w[SHAPES], *p[SHAPES];
    double flops = 0;
    for (int s = 0; s < SHAPES; s++) {
        size_t k = shapes[s][0], n = shapes[s][1], count = k * n * LAYERS;
        w[s] = malloc(count * sizeof(float));
        p[s] = malloc(vtv_packed_weight_count(n, k) * LAYERS * sizeof(float));
        for (size_t i = 0; i < count; i++) w[s][i] = (float)((i * 7) % 13) * 0.01f - 0.05f;
        for (int l = 0; l < LAYERS; l++)
            vtv_pack_weight(w[s] + l * k * n, n, k, p[s] + l * vtv_packed_weight_count(n, k));
        flops += 2.0 * m * k * n * LAYERS;
    }
    float *x = malloc(m * 4096 * sizeof(float)), *c = calloc(m * 4096, sizeof(float)), *c2 = calloc(m * 4096, sizeof(float));
    for (size_t i = 0; i < m * 4096; i++) x[i] = 0.001f * (i % 17) - 0.008f;
    openblas_set_num_threads(threads);
    for (int s = 0; s < SHAPES; s++) {
        size_t k = shapes[s][0], n = shapes[s][1];
        for (size_t i = 0; i < m * n; i++) c[i] = c2[i] = 0;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1, x, k, w[s], k, 0, c, n);
        packed_product(threads, m, n, k, x, p[s], c2);
        double worst = 0;
        for (size_t i = 0; i < m * n; i++) {
            double d = c[i] > c2[i] ? c[i] - c2[i] : c2[i] - c[i];
            if (d > worst) worst = d;
        }
        if (worst > 1e-4) {
            fprintf(stderr, "shape %zux%zu: results differ by %g\n", k, n, worst);
            return 1;
        }
    }
    for (int round = 0; round < 3; round++) {
        for (int mode = 0; mode < 2; mode++) {
            double t0 = now();
            for (int l = 0; l < LAYERS; l++) {
                for (int s = 0; s < SHAPES; s++) {
                    size_t k = shapes[s][0], n = shapes[s][1];
                    if (mode == 0)
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1, x, k, w[s] + l * k * n, k, 0, c, n);
                    else
                        packed_product(threads, m, n, k, x, p[s] + l * vtv_packed_weight_count(n, k), c);
                }
            }
            double dt = now() - t0;
            printf("M=%zu %-8s %d threads: %7.1f ms  %6.1f GFLOP/s\n", m, mode ? "packed" : "openblas", threads,
                   dt * 1e3, flops / dt * 1e-9);
        }
    }
    return 0;
}
