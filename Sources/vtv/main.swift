import Foundation
import Model
import Outputs
import Pipeline

// OpenBLAS must be told its kernels before it loads; this may restart the process once.
BLASCoreSelection.reexecIfNeeded()
// Exit through `exit` so MPI is finalised by its atexit handler on every path.
setvbuf(stdout, nil, _IOLBF, 0)
// A stopped command removes its half-written temporaries (the search installs its own, graceful stop).
SignalCleanup.install()
exit(dispatch(CommandLine.arguments))
