#ifndef VTV_CHDF5_SHIM_H
#define VTV_CHDF5_SHIM_H
// HDF5's native type ids (H5T_NATIVE_FLOAT, ...) are macros that call H5open() and read a
// global; access flags and H5P_DEFAULT are macros too. Swift sees them through these functions.
#include <hdf5.h>

static inline hid_t vtv_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t vtv_h5s_all(void) { return H5S_ALL; }
static inline hid_t vtv_h5p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t vtv_h5p_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t vtv_h5p_link_create(void) { return H5P_LINK_CREATE; }

static inline unsigned vtv_h5f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline unsigned vtv_h5f_acc_excl(void) { return H5F_ACC_EXCL; }
static inline unsigned vtv_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned vtv_h5f_acc_rdwr(void) { return H5F_ACC_RDWR; }

static inline hid_t vtv_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t vtv_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t vtv_h5t_native_int8(void) { return H5T_NATIVE_INT8; }
static inline hid_t vtv_h5t_native_int16(void) { return H5T_NATIVE_INT16; }
static inline hid_t vtv_h5t_native_int32(void) { return H5T_NATIVE_INT32; }
static inline hid_t vtv_h5t_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t vtv_h5t_native_uint8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t vtv_h5t_native_uint16(void) { return H5T_NATIVE_UINT16; }
static inline hid_t vtv_h5t_native_uint32(void) { return H5T_NATIVE_UINT32; }
static inline hid_t vtv_h5t_native_uint64(void) { return H5T_NATIVE_UINT64; }
static inline hid_t vtv_h5t_c_s1(void) { return H5T_C_S1; }
static inline hid_t vtv_h5t_std_i64le(void) { return H5T_STD_I64LE; }
static inline hid_t vtv_h5t_ieee_f64le(void) { return H5T_IEEE_F64LE; }
static inline hid_t vtv_h5t_ieee_f32le(void) { return H5T_IEEE_F32LE; }
static inline hid_t vtv_h5t_std_i32le(void) { return H5T_STD_I32LE; }
static inline hid_t vtv_h5t_std_u8le(void) { return H5T_STD_U8LE; }

static inline size_t vtv_h5t_variable(void) { return H5T_VARIABLE; }
static inline hsize_t vtv_h5s_unlimited(void) { return H5S_UNLIMITED; }

/// Turns off HDF5's automatic printing of its error stack; errors are reported as Swift errors.
static inline herr_t vtv_h5_silence_errors(void) { return H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

/// The library version as major*10000 + minor*100 + release.
static inline int vtv_h5_version(void) {
    unsigned maj = 0, min = 0, rel = 0;
    if (H5get_libversion(&maj, &min, &rel) < 0) return -1;
    return (int)(maj * 10000 + min * 100 + rel);
}

#endif
