// Memory read bandwidth of this machine, for reading the batch-1 forward numbers in
// docs/benchmarks.md: sums 1.3 GB (the ViT-L weights) with 1 and 2 threads, 3 runs each.
//   gcc -O2 -mavx2 -pthread -o /tmp/stream_read tools/bench/stream_read.c && /tmp/stream_read
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pthread.h>
#include <immintrin.h>
static float *buf; static size_t n;
typedef struct { size_t a, b; double s; } job;
static void *run(void *p){ job *j=p; __m256 acc=_mm256_setzero_ps(); for(size_t i=j->a;i<j->b;i+=8) acc=_mm256_add_ps(acc,_mm256_loadu_ps(buf+i)); float t[8]; _mm256_storeu_ps(t,acc); j->s=t[0]+t[7]; return 0;}
static double now(){struct timespec t; clock_gettime(CLOCK_MONOTONIC,&t); return t.tv_sec+t.tv_nsec*1e-9;}
int main(){ n=(size_t)1300*1000*1000/4; buf=aligned_alloc(64,n*4); memset(buf,1,n*4);
 for(int th=1;th<=2;th++) for(int r=0;r<3;r++){ pthread_t t[2]; job j[2]; double t0=now();
  for(int i=0;i<th;i++){ j[i].a=n/th*i; j[i].b=n/th*(i+1); pthread_create(&t[i],0,run,&j[i]); }
  for(int i=0;i<th;i++) pthread_join(t[i],0);
  double dt=now()-t0; printf("%d thread(s): %.3f s for 1.3 GB = %.1f GB/s\n",th,dt,1.3/dt); }
}
