/// Robustness and speed harness for TorchImport.
///
/// Built by SwiftPM, it is a command-line tool:
///   TorchFuzz bench <checkpoint>     open, list the state dict, materialise every tensor; times each step
///   TorchFuzz replay <file>...       open each file (e.g. fuzzer crash inputs) and report the outcome
/// Built by tools/fixtures/run_fuzzer.sh with `-D FUZZING -sanitize=fuzzer,address` as one module
/// together with Sources/TorchImport, it is a libFuzzer target: the first input byte chooses
/// whether the rest is a whole checkpoint file or the object pickle of a legacy checkpoint
/// (which aims the fuzzer at the unpickler).

#if FUZZING

    private let legacyHeader: [UInt8] =
        [0x80, 0x02, 0x8A, 0x0A] + LegacyFormat.magic + [
            0x2E, 0x80, 0x02, 0x4D, 0xE9, 0x03, 0x2E,
            0x80, 0x02, 0x7D, 0x2E
        ]

    private func walk(_ value: PickleValue) {
        switch value {
        case .tensor(let t): if t.count <= 1 << 20 { _ = try? t.floats() }
        case .list(let items), .tuple(let items): items.forEach(walk)
        case .dict(let entries): for (k, v) in entries { walk(k); walk(v) }
        case .object(let o): (o.arguments + o.items).forEach(walk); o.state.map(walk)
        default: break
        }
    }

    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
        guard size > 0 else { return 0 }
        let input = Array(UnsafeBufferPointer(start: data, count: size))
        let bytes = input[0] & 1 == 0 ? Array(input.dropFirst()) : legacyHeader + input.dropFirst()
        if let checkpoint = try? TorchCheckpoint(file: MappedFile(contents: bytes, name: "fuzz")) {
            walk(checkpoint.object)
            _ = try? checkpoint.stateDict()
        }
        return 0
    }

#else

    import Foundation
    import TorchImport

    @main
    enum TorchFuzzCommand {
        static func seconds(_ start: DispatchTime) -> Double {
            Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        }

        static func main() throws {
            let arguments = CommandLine.arguments.dropFirst()
            switch arguments.first {
            case "bench" where arguments.count == 2:
                let path = arguments.last!
                let t0 = DispatchTime.now()
                let checkpoint = try TorchCheckpoint(path: path)
                let state = try checkpoint.stateDict()
                let opened = seconds(t0)
                var bytes = 0, checksum: Float = 0
                let t1 = DispatchTime.now()
                for (_, tensor) in state {
                    let values = try tensor.floats()
                    bytes += values.count * 4
                    checksum += values.first ?? 0
                }
                let read = seconds(t1)
                print(
                    "\(path): \(state.count) tensors; open + state dict \(String(format: "%.3f", opened)) s; "
                        + "materialise \(String(format: "%.1f", Double(bytes) / 1e6)) MB in \(String(format: "%.3f", read)) s "
                        + "(\(String(format: "%.0f", Double(bytes) / 1e6 / read)) MB/s); checksum \(checksum)")
            case "replay" where arguments.count >= 2:
                for path in arguments.dropFirst() {
                    do {
                        let checkpoint = try TorchCheckpoint(path: path)
                        print("\(path): opened, \(checkpoint.object.summary)")
                    } catch {
                        print("\(error)")
                    }
                }
            default:
                FileHandle.standardError.write(
                    "usage: TorchFuzz bench <checkpoint> | TorchFuzz replay <file>...\n".data(using: .utf8)!)
                exit(2)
            }
        }
    }

#endif
