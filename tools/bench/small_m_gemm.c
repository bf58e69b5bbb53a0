// Prototype for the batch-1 forward (docs/benchmarks.md): C[M x N] = X[M x K] W^T with W packed once
// into 32-column panels and a 6x32 AVX-512 micro-kernel on 2 threads, against OpenBLAS sgemm on the
// 24 layers of ViT-L encoder weights. Not used by vtv; measures what a small-M kernel of our own could gain.
//   gcc -O3 -mavx512f -mfma -pthread -o /tmp/small_m tools/bench/small_m_gemm.c $(pkg-config --cflags --libs openblas)
//   OPENBLAS_CORETYPE=SkylakeX /tmp/small_m 50
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pthread.h>
#include <immintrin.h>
#include <cblas.h>
extern void openblas_set_num_threads(int);
static double now(){struct timespec t; clock_gettime(CLOCK_MONOTONIC,&t); return t.tv_sec+t.tv_nsec*1e-9;}
// P: [N/32][K][32]
static void pack(const float*W,int N,int K,float*P){ for(int p=0;p<N/32;p++) for(int k=0;k<K;k++) for(int j=0;j<32;j++) P[((size_t)p*K+k)*32+j]=W[(size_t)(p*32+j)*K+k]; }
static inline void tile(int rows,const float*X,int K,const float*P,float*C,int ldc){
  __m512 a[6][2]; for(int i=0;i<6;i++){a[i][0]=_mm512_setzero_ps();a[i][1]=_mm512_setzero_ps();}
  if(rows==6){ for(int k=0;k<K;k++){ __m512 w0=_mm512_load_ps(P+k*32), w1=_mm512_load_ps(P+k*32+16);
     for(int i=0;i<6;i++){ __m512 x=_mm512_set1_ps(X[i*K+k]); a[i][0]=_mm512_fmadd_ps(x,w0,a[i][0]); a[i][1]=_mm512_fmadd_ps(x,w1,a[i][1]);} } }
  else { for(int k=0;k<K;k++){ __m512 w0=_mm512_load_ps(P+k*32), w1=_mm512_load_ps(P+k*32+16);
     for(int i=0;i<rows;i++){ __m512 x=_mm512_set1_ps(X[i*K+k]); a[i][0]=_mm512_fmadd_ps(x,w0,a[i][0]); a[i][1]=_mm512_fmadd_ps(x,w1,a[i][1]);} } }
  for(int i=0;i<rows;i++){ _mm512_storeu_ps(C+i*ldc,a[i][0]); _mm512_storeu_ps(C+i*ldc+16,a[i][1]); }
}
typedef struct { int M,N,K,p0,p1; const float*X,*P; float*C; } job;
static void *run(void*v){ job*j=v; for(int p=j->p0;p<j->p1;p++){ const float*P=j->P+(size_t)p*j->K*32;
   for(int m=0;m<j->M;m+=6) tile(j->M-m<6?j->M-m:6, j->X+(size_t)m*j->K, j->K, P, j->C+(size_t)m*j->N+p*32, j->N);} return 0;}
int main(int argc,char**argv){ int M=atoi(argv[1]); int L=24;
 int shapes[4][2]={{1024,3072},{1024,1024},{1024,4096},{4096,1024}};
 float *Ws[4],*Ps[4];
 for(int s=0;s<4;s++){ size_t n=(size_t)shapes[s][0]*shapes[s][1]*L; Ws[s]=malloc(n*4); Ps[s]=aligned_alloc(64,n*4); for(size_t i=0;i<n;i++) Ws[s][i]=(float)((i*7)%13)*0.01f-0.05f;
   for(int l=0;l<L;l++) pack(Ws[s]+(size_t)l*shapes[s][0]*shapes[s][1],shapes[s][1],shapes[s][0],Ps[s]+(size_t)l*shapes[s][0]*shapes[s][1]); }
 float *X=malloc((size_t)M*4096*4), *C=malloc((size_t)M*4096*4), *C2=malloc((size_t)M*4096*4); for(int i=0;i<M*4096;i++) X[i]=0.001f*(i%17)-0.008f;
 double flops=0; for(int s=0;s<4;s++) flops+=2.0*M*shapes[s][0]*shapes[s][1]*L;
 // check
 cblas_sgemm(CblasRowMajor,CblasNoTrans,CblasTrans,M,3072,1024,1,X,1024,Ws[0],1024,0,C,3072);
 { job j={M,3072,1024,0,96,X,Ps[0],C2}; run(&j);} double e=0; for(int i=0;i<M*3072;i++){double d=C[i]-C2[i]; if(d<0)d=-d; if(d>e)e=d;} printf("max abs diff %g\n",e);
 for(int mode=0;mode<2;mode++) for(int r=0;r<3;r++){ openblas_set_num_threads(2); double t0=now();
  for(int l=0;l<L;l++) for(int s=0;s<4;s++){ int K=shapes[s][0],N=shapes[s][1]; size_t off=(size_t)l*K*N;
    if(mode==0) cblas_sgemm(CblasRowMajor,CblasNoTrans,CblasTrans,M,N,K,1,X,K,Ws[s]+off,K,0,C,N);
    else { pthread_t t[2]; job j[2]; int np=N/32; for(int i=0;i<2;i++){ j[i]=(job){M,N,K,np/2*i,i?np:np/2,X,Ps[s]+off,C}; pthread_create(&t[i],0,run,&j[i]);} for(int i=0;i<2;i++) pthread_join(t[i],0);} }
  double dt=now()-t0; printf("M=%d %s: %.1f ms, %.1f GFLOP/s\n",M,mode==0?"openblas 2 threads":"prepacked 6x32, 2 threads",dt*1e3,flops/dt*1e-9); }
}
