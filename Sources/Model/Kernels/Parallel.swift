import CBLAS
import Dispatch

/// Splits 0..<count into contiguous chunks run concurrently, one per worker, with as many
/// workers as OpenBLAS uses threads (so the element-wise work between GEMMs uses the same
/// cores the GEMMs do). Work smaller than `grain` items per worker runs on the caller's thread.
/// `body` must only write to memory its own range owns.
@inline(__always)
func parallelFor(_ count: Int, grain: Int, _ body: (Range<Int>) -> Void) {
    let workers = min(Int(openblas_get_num_threads()), count / max(grain, 1))
    if workers <= 1 {
        body(0..<count)
        return
    }
    withoutActuallyEscaping(body) { body in
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            body((count * w / workers)..<(count * (w + 1) / workers))
        }
    }
}

/// Runs body(0..<workers) concurrently, one call per worker, with OpenBLAS at one thread for
/// the duration (restored afterwards): for work split into independent parts, each using
/// single-threaded SGEMMs, instead of every SGEMM being split and joined by OpenBLAS.
/// `body` must only write to memory its own worker owns.
func concurrentWithSingleThreadedBLAS(_ workers: Int, _ body: (Int) -> Void) {
    let threads = BLASRuntime.threads
    BLASRuntime.threads = 1
    defer { BLASRuntime.threads = threads }
    withoutActuallyEscaping(body) { body in
        DispatchQueue.concurrentPerform(iterations: workers, execute: body)
    }
}
