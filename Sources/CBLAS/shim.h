#ifndef VTV_CBLAS_SHIM_H
#define VTV_CBLAS_SHIM_H
// OpenBLAS' CBLAS interface plus its runtime configuration calls (threads, core name).
#include <cblas.h>

#endif
