#ifndef VTV_CMPI_SHIM_H
#define VTV_CMPI_SHIM_H
// OpenMPI's handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, ...) are macros over addresses of
// global structs, which Swift cannot import. Each is exposed here as a static inline function.
#include <mpi.h>

static inline MPI_Comm vtv_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Comm vtv_mpi_comm_null(void) { return MPI_COMM_NULL; }

static inline MPI_Datatype vtv_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype vtv_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype vtv_mpi_int32(void) { return MPI_INT32_T; }
static inline MPI_Datatype vtv_mpi_int64(void) { return MPI_INT64_T; }
static inline MPI_Datatype vtv_mpi_uint8(void) { return MPI_UINT8_T; }
static inline MPI_Datatype vtv_mpi_char(void) { return MPI_CHAR; }

static inline MPI_Op vtv_mpi_op_sum(void) { return MPI_SUM; }
static inline MPI_Op vtv_mpi_op_max(void) { return MPI_MAX; }
static inline MPI_Op vtv_mpi_op_min(void) { return MPI_MIN; }

static inline void *vtv_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline int vtv_mpi_success(void) { return MPI_SUCCESS; }
static inline int vtv_mpi_max_processor_name(void) { return MPI_MAX_PROCESSOR_NAME; }
static inline int vtv_mpi_max_library_version_string(void) { return MPI_MAX_LIBRARY_VERSION_STRING; }
static inline int vtv_mpi_max_error_string(void) { return MPI_MAX_ERROR_STRING; }
static inline MPI_Errhandler vtv_mpi_errors_return(void) { return MPI_ERRORS_RETURN; }

// MPI-3 shared memory between the ranks of a node (Sources/Distributed/NodeSharedMemory.swift).
static inline int vtv_mpi_comm_type_shared(void) { return MPI_COMM_TYPE_SHARED; }
static inline MPI_Info vtv_mpi_info_null(void) { return MPI_INFO_NULL; }
static inline MPI_Win vtv_mpi_win_null(void) { return MPI_WIN_NULL; }
static inline int vtv_mpi_mode_nocheck(void) { return MPI_MODE_NOCHECK; }
static inline MPI_Request vtv_mpi_request_null(void) { return MPI_REQUEST_NULL; }
static inline MPI_Status *vtv_mpi_status_ignore(void) { return MPI_STATUS_IGNORE; }

// Point-to-point progress messages between the groups of a sweep (Sources/Distributed/ProgressMailbox.swift).
static inline int vtv_mpi_any_source(void) { return MPI_ANY_SOURCE; }

#endif
