#ifndef FULCRUM_CBLAS_SHIM_H
#define FULCRUM_CBLAS_SHIM_H
// OpenBLAS: cblas for matrix products, and the LAPACK routines we call
// (Fortran symbols shipped in the same library).
#include <cblas.h>

// Singular value decomposition (divide and conquer), single and double.
void sgesdd_(const char *jobz, const int *m, const int *n, float *a, const int *lda,
             float *s, float *u, const int *ldu, float *vt, const int *ldvt,
             float *work, const int *lwork, int *iwork, int *info);
void dgesdd_(const char *jobz, const int *m, const int *n, double *a, const int *lda,
             double *s, double *u, const int *ldu, double *vt, const int *ldvt,
             double *work, const int *lwork, int *iwork, int *info);

#endif
