#ifndef VTV_CHDF5_SHIM_H
#define VTV_CHDF5_SHIM_H
// HDF5's native type ids (H5T_NATIVE_FLOAT, ...) are macros that call H5open() and read a
// global; access flags and H5P_DEFAULT are macros too. Swift sees them through these functions.
#include <hdf5.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

static inline hid_t vtv_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t vtv_h5s_all(void) { return H5S_ALL; }
static inline hid_t vtv_h5p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t vtv_h5p_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t vtv_h5p_file_create(void) { return H5P_FILE_CREATE; }
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

/// The newest file format this library writes (1.10's): superblock, object headers, B-trees and
/// heaps carry checksums, so damaged metadata is detected instead of misread.
static inline H5F_libver_t vtv_h5f_libver_latest(void) { return H5F_LIBVER_LATEST; }

static inline herr_t vtv_h5e_collect_one(unsigned n, const H5E_error2_t *entry, void *data) {
    (void)n;
    char *buffer = (char *)((void **)data)[0];
    size_t size = *(size_t *)((void **)data)[1];
    size_t used = strlen(buffer);
    if (entry->desc && used + 3 < size) {
        snprintf(buffer + used, size - used, "%s%s", used ? "; " : "", entry->desc);
    }
    return 0;
}

/// Writes the descriptions on HDF5's current error stack, innermost first, separated by "; ",
/// into `buffer` (cut at `size`). The stack is the one left by the last failed call.
static inline void vtv_h5e_describe(char *buffer, size_t size) {
    if (size == 0) return;
    buffer[0] = 0;
    void *data[2] = { buffer, &size };
    (void)H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, vtv_h5e_collect_one, data);
}

/// zlib's CRC-32 (the one Python's zlib.crc32 computes), continued from `crc` over `length` bytes:
/// the whole-file checksum of vtv's files (Storage/FileChecksum.swift).
static inline uint32_t vtv_crc32(uint32_t crc, const unsigned char *bytes, size_t length) {
    while (length > 0) {
        uInt step = length > (1u << 30) ? (1u << 30) : (uInt)length;
        crc = (uint32_t)crc32((uLong)crc, bytes, step);
        bytes += step;
        length -= step;
    }
    return crc;
}

#endif
