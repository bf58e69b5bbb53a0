import Distributed
import Foundation

// Exercises every collective of `Communicator`, and the memory and bytes a node's ranks share
// (`NodeSharedMemory`), with values each rank can predict, and prints
// one line per failed check plus a closing "N passed, N failed" line on rank 0.
// The test suite runs it under `mpirun -np 1/2/3`.

let world: Communicator
do {
    world = try Communicator.start()
} catch {
    FileHandle.standardError.write(Data("MPICheck: \(error)\n".utf8))
    exit(1)
}
let n = world.size, r = world.rank
var passed = 0
var failures: [String] = []

func check(_ ok: @autoclosure () throws -> Bool, _ name: String) {
    do {
        if try ok() { passed += 1 } else { failures.append("rank \(r): \(name)") }
    } catch {
        failures.append("rank \(r): \(name) threw \(error)")
    }
}

let triangle = n * (n + 1) / 2
// allreduce, in place and out of place, every operation and element type.
check(try world.allreduced([Float(r + 1), 2], .sum) == [Float(triangle), Float(2 * n)], "allreduced Float sum")
check(try world.allreduced([Double(r) * 0.5], .max) == [Double(n - 1) * 0.5], "allreduced Double max")
check(try world.allreduced([Double(r) - 1], .min) == [-1], "allreduced Double min")
check(try world.allreduced([Int32(r)], .max) == [Int32(n - 1)], "allreduced Int32 max")
check(
    try world.allreduced([Int64(r + 1) << 40], .sum) == [Int64(triangle) << 40], "allreduced Int64 sum beyond 32 bits")
check(try world.allreduced([Float(r)], .min) == [0], "allreduced Float min")
do {
    var inPlace = [Double](repeating: Double(r + 1), count: 100_003)
    try world.allreduce(&inPlace, .sum)
    check(inPlace.allSatisfy { $0 == Double(triangle) }, "allreduce Double sum in place, 100003 elements")
    var floats = (0..<1000).map { Float($0 * (r + 1)) }
    try world.allreduce(&floats, .max)
    check(floats == (0..<1000).map { Float($0 * n) }, "allreduce Float max in place")
    var ints = [Int](repeating: r, count: 7)
    try world.allreduce(&ints, .sum)
    check(ints == [Int](repeating: n * (n - 1) / 2, count: 7), "allreduce Int sum in place")
} catch {
    failures.append("rank \(r): in-place allreduce threw \(error)")
}
check(try world.allreduce(Double(r), .sum) == Double(n * (n - 1) / 2), "allreduce scalar")
var empty: [Float] = []
check((try? world.allreduce(&empty, .sum)) != nil && empty.isEmpty, "allreduce of an empty array")

// broadcast from rank 0 and from the last rank; other ranks' arrays are resized.
do {
    var values: [Float] = world.isRoot ? [1.5, -2, 3e-8] : [9]
    try world.broadcast(&values, root: 0)
    check(values == [1.5, -2, 3e-8], "broadcast Float from rank 0")
    var fromLast: [Int32] = r == n - 1 ? [Int32(n), 42] : []
    try world.broadcast(&fromLast, root: n - 1)
    check(fromLast == [Int32(n), 42], "broadcast Int32 from the last rank")
    let text = try world.broadcast(world.isRoot ? "héllo, ranks" : "", root: 0)
    check(text == "héllo, ranks", "broadcast String")
} catch {
    failures.append("rank \(r): broadcast threw \(error)")
}

// gathers: scalars, variable-length arrays, to all and to root.
check(try world.allgather(Int64(r * 10)) == (0..<n).map { Int64($0 * 10) }, "allgather scalar")
let ragged = [Double](repeating: Double(r), count: r + 1) // rank r sends r+1 copies of r
let expectedRagged = (0..<n).flatMap { [Double](repeating: Double($0), count: $0 + 1) }
check(try world.allgather(ragged) == expectedRagged, "allgather ragged arrays")
do {
    let gathered = try world.gather([UInt8(r), UInt8(r)], root: 0)
    check(world.isRoot ? gathered == (0..<n).flatMap { [UInt8($0), UInt8($0)] } : gathered == nil, "gather to root")
    let one = try world.gather(Float(r) + 0.25, root: n - 1)
    check(r == n - 1 ? one == (0..<n).map { Float($0) + 0.25 } : one == nil, "gather scalar to the last rank")
} catch {
    failures.append("rank \(r): gather threw \(error)")
}
check((try? world.barrier()) != nil, "barrier")

// Work sharding: every item exactly once, contiguous, sizes differ by at most one.
for count in [0, 1, 2, 5, 17, 320] {
    let ranges = (0..<n).map { shard(count, rank: $0, of: n) }
    let flat = ranges.flatMap { Array($0) }
    let sizes = ranges.map(\.count)
    check(flat == Array(0..<count) && (sizes.max()! - sizes.min()!) <= 1, "shard \(count) items over \(n) ranks")
}
check(world.share(of: 10) == shard(10, rank: r, of: n), "share matches shard")

// Node-shared memory: every rank here runs on one host, so the node is the world.
do {
    let node = try NodeSharedMemory.node()
    check(node.size == n && node.rank == r && node.builderWorldRank == 0 && node.isBuilder == (r == 0), "node ranks")
    check(try node.agree(7) && !(n > 1 ? try node.agree(r) : false), "node agree")
    check(try node.any(r == n - 1) && !(try node.any(false)), "node any")

    // The builder alone fills; every rank then reads its bytes, at a page-aligned base.
    let bytes = (1 << 20) + 3
    var fills = 0
    let block = try node.allocate(bytes: bytes) { raw in
        fills += 1
        for i in 0..<raw.count { raw[i] = UInt8(truncatingIfNeeded: i &* 7 &+ 1) }
    }
    check(
        try world.allreduce(fills, .sum) == 1 && fills == (r == 0 ? 1 : 0), "shared block filled once, by the builder")
    check(block.count == bytes && Int(bitPattern: block.baseAddress!) % 4096 == 0, "shared block size and alignment")
    check(
        (0..<bytes).allSatisfy { block[$0] == UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) },
        "shared block read on every rank")

    // A failing builder: its own error there, one quoting it elsewhere; the node goes on afterwards.
    struct Planted: Error, CustomStringConvertible { var description: String { "planted failure" } }
    do {
        _ = try node.allocate(bytes: 4096) { _ in throw Planted() }
        check(false, "a failing builder fails every rank")
    } catch is Planted {
        check(r == 0, "the builder rethrows its own error")
    } catch NodeSharedMemoryError.builderFailed(let builder, let message) {
        check(r != 0 && builder == 0 && message == "planted failure", "the others quote the builder's error")
    }
    let after = try node.allocate(bytes: 64) { raw in raw.storeBytes(of: 42, as: UInt8.self) }
    check(after[0] == 42, "a block after a failed one")

    // Bytes only the builder can make reach every rank; its failure too.
    check(
        try node.fromBuilder { r == 0 ? Array("made by rank 0".utf8) : [] } == Array("made by rank 0".utf8),
        "bytes from the builder")
    check(try node.fromBuilder { [] } == [], "no bytes from the builder")
    do {
        _ = try node.fromBuilder { throw Planted() }
        check(false, "a failing producer fails every rank")
    } catch is Planted {
        check(r == 0, "the builder rethrows its producer's error")
    } catch NodeSharedMemoryError.builderFailed(_, let message) {
        check(r != 0 && message == "planted failure", "the others quote the producer's error")
    }

    // Sizes that differ, and more than the backing store holds, are refused on every rank before allocating.
    if n > 1 {
        do {
            _ = try node.allocate(bytes: 4096 * (r + 1)) { _ in }
            check(false, "different sizes are refused")
        } catch NodeSharedMemoryError.sizesDiffer(let smallest, let largest) {
            check(smallest == 4096 && largest == 4096 * n, "different sizes are refused")
        }
    }
    var info = statvfs()
    if statvfs("/dev/shm", &info) == 0 {
        let tooMuch = Int(info.f_bavail) * Int(info.f_frsize) + (1 << 30)
        do {
            _ = try node.allocate(bytes: tooMuch) { _ in }
            check(false, "a block larger than /dev/shm is refused")
        } catch NodeSharedMemoryError.backingStoreTooSmall(let directory, _, let needed) {
            check(directory == "/dev/shm" && needed >= tooMuch, "a block larger than /dev/shm is refused")
        }
    }
} catch {
    failures.append("rank \(r): node-shared memory threw \(error)")
}

// Report: every rank's failures go to rank 0, which prints the closing line.
let failureText = failures.joined(separator: "\n")
let totalPassed = (try? world.allreduce(passed, .sum)) ?? -1
let allFailures = (try? world.gather(Array(failureText.utf8) + [10], root: 0)) ?? nil
let failedCount = (try? world.allreduce(failures.count, .sum)) ?? -1
if world.isRoot {
    let text =
        allFailures.map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
    if !text.isEmpty { print(text) }
    print("MPICheck on \(n) rank(s): \(totalPassed) passed, \(failedCount) failed")
}
exit(failedCount == 0 ? 0 : 1)
