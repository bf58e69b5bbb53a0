import Distributed
import Foundation
import Imaging
import Pipeline
import Prompts

/// `vtv prompts render`: one stored canvas as an 8-bit PNG.
let promptsRenderCommand = Command(
    name: "prompts render",
    summary: "write one canvas of a prompts file as a PNG",
    discussion: """
        Each value v of the [3, S, S] canvas becomes the 8-bit level round(255 v) (clamped to 0...255).
        --index counts all prompts of the file, whatever their role. Runs on rank 0 only.
        """,
    options: [
        .value("--prompts", "P.h5", "the prompts file", required: true),
        .value("--index", "I", "prompt index, 0...count-1", required: true),
        .value("--task", "T", "the task whose canvas to render", required: true),
        .value("--out", "canvas.png", "the PNG to write", required: true)
    ]
) { args in
    guard MPIJob.launchRank == 0 else { return 0 }
    let task = try parseTasks(args, "--task", default: "")
    guard task.count == 1 else { throw UsageError("--task names one task, got \(task.count)") }
    guard let index = try args.int("--index", atLeast: 0) else { throw UsageError("'prompts render' needs --index I") }
    let file = try PromptsFile(path: try args.required("--prompts"))
    let canvas = try file.canvas(index, task: task[0])
    let out = try args.required("--out")
    let bytes = try ImageFile.encodePNG(canvasImage(canvas), name: out)
    try ImageFile.writePNG(bytes: bytes, to: out)
    print("wrote \(task[0].rawValue) canvas of prompt \(index) (\(canvas.layout.size)x\(canvas.layout.size)) to \(out)")
    return 0
}

/// The canvas as an RGB image: [3, S, S] channel-major floats to [S, S, 3] levels round(255 v).
func canvasImage(_ canvas: PromptCanvas) -> Image8 {
    let n = canvas.layout.size * canvas.layout.size
    var pixels = [UInt8](repeating: 0, count: 3 * n)
    for c in 0..<3 {
        for i in 0..<n { pixels[3 * i + c] = UInt8(max(0, min(255, (255 * canvas.values[c * n + i]).rounded()))) }
    }
    return Image8(width: canvas.layout.size, height: canvas.layout.size, channels: 3, pixels: pixels)
}
