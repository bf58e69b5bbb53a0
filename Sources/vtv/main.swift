import Foundation
import Model

// OpenBLAS must be told its kernels before it loads; this may restart the process once.
BLASCoreSelection.reexecIfNeeded()
// Exit through `exit` so MPI is finalised by its atexit handler on every path.
setvbuf(stdout, nil, _IOLBF, 0)
exit(dispatch(CommandLine.arguments))
