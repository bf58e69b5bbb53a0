import Foundation
import Imaging
import Model
import Pipeline
import Prompts
import Search

/// `vtv predict`: task vectors applied to a person's own image.
let predictCommand = Command(
    name: "predict",
    summary: "apply task vectors to your own image: zero-shot prediction with the task's head outputs patched",
    discussion: """
        Builds the zero-shot canvas around IMAGE: the image resized to a query quadrant as prompts are
        (PIL bicubic, docs/paper.md#canvas) in the bottom-left quadrant, white elsewhere. The image is the
        task's input as given: darken it, gray it or cut a hole yourself if the task expects that. Runs the
        zero-shot forward pass with the task vectors of TV.h5 patched, decodes the predicted tokens with the
        VQGAN and writes the answer quadrant (bottom-right) as a PNG; with --full, the whole canvas: the query
        as the model saw it, its answer, white above. --canvas-size renders at another side (the decoding is
        resized bilinearly, as the published code does).
        """,
    options: [
        .value("--model", "M.h5", "the model file", required: true),
        .value("--taskvectors", "TV.h5", "the task vectors to apply (vtv search)", required: true),
        .value("--image", "IMAGE", "a JPEG or PNG file: the task's input", required: true),
        .value("--out", "OUT.png", "the PNG to write", required: true),
        .value(
            "--canvas-size", "S", "side of the rendered canvas, \(canvasSizeRange) (default: the model's image size)"),
        .flag("--full", "write the whole canvas (query and answer) instead of the answer quadrant")
    ]
) { args in
    let requestedSize = try canvasSize(args)
    if let requestedSize {
        // The decoded canvas resized to the side, the answer (or the whole canvas) as 8-bit RGB, and its PNG.
        var budget = MemoryBudget()
        budget.add(
            "--canvas-size", requestedSize, count: requestedSize * requestedSize, of: 9, for: "the rendered canvas")
        try budget.check()
    }
    let model = try LoadedModel(path: try args.required("--model"), parts: [.mae, .vqganDecoder])
    let vectorsPath = try args.required("--taskvectors")
    let vectors = try TaskVectors(path: vectorsPath, expectedModelHash: model.hash)
    let imagePath = try args.required("--image")
    let image = try ImageFile.read(imagePath)
    let side = model.configuration.imageSize
    let size = requestedSize ?? side
    let out = try args.required("--out")

    let layout = CanvasLayout(size: side)
    let query = try QuadrantImage(name: imagePath, image: image, side: layout.quadrant)
    let canvas = CanvasQuadrants.zeroShotCanvas(query: query, layout: layout)
    let evaluator = PromptEvaluator(
        model: try model.mae(),
        decoder: try model.vqganDecoder(),
        batchSize: 1)
    let rendered = try evaluator.predictions(
        canvases: [canvas], mode: .zeroShot, patches: vectors.patchSet(),
        renderSide: size)[0]
    let outputLayout = CanvasLayout(size: size)
    let answer = CanvasQuadrants.answer(rendered, layout: outputLayout)
    let result: Image8
    if args.flag("--full") {
        let shownQuery = try QuadrantImage(name: imagePath, image: image, side: outputLayout.quadrant)
        var pixels = [UInt8](repeating: 255, count: size * size * 3)
        let q = outputLayout.quadrant, s = outputLayout.secondStart
        for y in 0..<q {
            for x in 0..<q {
                for c in 0..<3 {
                    pixels[((s + y) * size + x) * 3 + c] = UInt8((shownQuery.rgb[(c * q + y) * q + x] * 255).rounded())
                    pixels[((s + y) * size + s + x) * 3 + c] = answer[y, x, c]
                }
            }
        }
        result = Image8(width: size, height: size, channels: 3, pixels: pixels)
    } else {
        result = answer
    }
    let bytes = try ImageFile.encodePNG(result, name: out)
    try ImageFile.writePNG(bytes: bytes, to: out)
    print(
        "\(vectors.task) task vectors (\(vectors.targets.count) head outputs) on \(imagePath): wrote \(out) "
            + "(\(result.width)x\(result.height)\(args.flag("--full") ? ", full canvas" : ", answer quadrant"))")
    return 0
}
