import CMPI

/// A scalar type MPI can send and reduce.
public protocol MPIElement {
    static var mpiType: MPI_Datatype { get }
    static var mpiZero: Self { get }
}

extension Float: MPIElement {
    public static var mpiType: MPI_Datatype { vtv_mpi_float() }
    public static var mpiZero: Float { 0 }
}
extension Double: MPIElement {
    public static var mpiType: MPI_Datatype { vtv_mpi_double() }
    public static var mpiZero: Double { 0 }
}
extension Int32: MPIElement {
    public static var mpiType: MPI_Datatype { vtv_mpi_int32() }
    public static var mpiZero: Int32 { 0 }
}
extension Int64: MPIElement {
    public static var mpiType: MPI_Datatype { vtv_mpi_int64() }
    public static var mpiZero: Int64 { 0 }
}
extension Int: MPIElement {
    public static var mpiType: MPI_Datatype { vtv_mpi_int64() }
    public static var mpiZero: Int { 0 }
}
extension UInt8: MPIElement {
    public static var mpiType: MPI_Datatype { vtv_mpi_uint8() }
    public static var mpiZero: UInt8 { 0 }
}
