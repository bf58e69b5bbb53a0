import Dispatch
import CBLAS

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
