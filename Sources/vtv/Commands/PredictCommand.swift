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
        resized bilinearly, as the published code does). Task vectors made with another model are refused
        (content hash); --allow-other-model accepts those of a sibling model of the same configuration
        (another seed or checkpoint of one architecture), and says so. Another configuration is refused even then.
        """,
    options: [
        .value("--model", "M.h5", "the model file", required: true),
        .value("--taskvectors", "TV.h5", "the task vectors to apply (vtv search)", required: true),
        .value("--image", "IMAGE", "a JPEG or PNG file: the task's input", required: true),
        .value("--out", "OUT.png", "the PNG to write", required: true),
        .value(
            "--canvas-size", "S", "side of the rendered canvas, \(canvasSizeRange) (default: the model's image size)"),
        .flag("--full", "write the whole canvas (query and answer) instead of the answer quadrant"),
        .flag(
            "--allow-other-model",
            "accept task vectors of a sibling model (another content hash, the same configuration)")
    ]
) { args in
    let settings = PredictSettings(
        model: try args.required("--model"), taskVectors: try args.required("--taskvectors"),
        image: try args.required("--image"), out: try args.required("--out"), canvasSize: try canvasSize(args),
        full: args.flag("--full"), allowOtherModel: args.flag("--allow-other-model"))
    let (vectors, result, modelHash) = try runPredict(settings)
    if vectors.modelHash != modelHash {
        print(
            "note: the task vectors were made with model \(vectors.modelHash), not \(modelHash) (--allow-other-model)")
    }
    print(
        "\(vectors.task) task vectors (\(vectors.targets.count) head outputs) on \(settings.image): wrote \(settings.out) "
            + "(\(result.width)x\(result.height)\(settings.full ? ", full canvas" : ", answer quadrant"))")
    return 0
}
