import Distributed
import Foundation
import Pipeline
import Prompts

/// `vtv prompts build`: one prompt from named VOC images, stored as a prompts file.
let promptsBuildCommand = Command(
    name: "prompts build",
    summary: "build one prompt from named images of a VOC folder and store it in a prompts file",
    discussion: """
        The support example (top row) and the query (bottom row) are VOCDIR/JPEGImages/NAME.jpg with
        labels VOCDIR/SegmentationClassAug/NAME.png (VOCDIR may also contain VOCdevkit/VOC2012). --class
        is the label value segmented. --square is the in-painting square's top-left corner in quadrant
        pixels (default: centred). Runs on rank 0 only.
        """,
    options: [
        .value("--voc", "VOCDIR", "the VOC folder", required: true),
        .value("--query", "NAME", "query image name (bottom row)", required: true),
        .value("--support", "NAME", "support image name (top row, the example)", required: true),
        .value("--class", "C", "class segmented: the label value, 1...254", required: true),
        .value("--square", "ROW,COL", "in-painting square corner within the quadrant (default: centred)"),
        .value("--tasks", "LIST", "tasks to store: names separated by commas, base or all", default: "base"),
        .value("--role", "R", "role stored with the prompt (collect, train, eval...)"),
        .value("--canvas-size", "S", "canvas side in pixels, \(canvasSizeRange) (default 224)"),
        .value("--out", "P.h5", "the prompts file to write", required: true)
    ]
) { args in
    guard MPIJob.launchRank == 0 else { return 0 }
    let tasks = try parseTasks(args)
    let layout = try canvasLayout(args)
    let classID = try args.int("--class", in: 1...254, why: "a VOC label value; 0 is background and 255 the boundary")!
    let square: InpaintSquare
    if let corner = try args.ints("--square") {
        let last = layout.quadrant - layout.holeSide
        guard corner.count == 2, (0...last).contains(corner[0]), (0...last).contains(corner[1]) else {
            throw UsageError(
                "--square must be ROW,COL with both in 0...\(last) (a \(layout.holeSide)-pixel square "
                    + "inside the \(layout.quadrant)-pixel quadrant)")
        }
        square = InpaintSquare(row: corner[0], col: corner[1])
    } else {
        let centre = (layout.quadrant - layout.holeSide) / 2
        square = InpaintSquare(row: centre, col: centre)
    }
    let vocRoot = try args.required("--voc")
    let record = PromptRecord(
        query: try args.required("--query"), support: try args.required("--support"),
        classID: classID, square: square, role: args.string("--role"))
    let canvases = try VOCFolder(root: vocRoot).canvases(
        query: record.query, support: record.support, classID: classID,
        square: square, tasks: tasks, layout: layout)
    let out = try args.required("--out")
    let writer = try PromptsFileWriter(path: out, origin: "voc:\(vocRoot)", seed: nil, tasks: tasks, layout: layout)
    try writer.write(0, record: record, canvases: canvases)
    try writer.commit()
    print(
        "wrote 1 prompt x \(tasks.count) task(s) (query \(record.query), support \(record.support), class \(classID)) to \(out)"
    )
    return 0
}
