import Imaging

extension MAEModel {
    /// The encoder (MAE's `forward_encoder` with a fixed mask): embeds the visible patches,
    /// adds their positions, puts cls (+ position 0) first, runs the blocks and the final norm.
    /// Leaves the result in workspace[.encoder]: [encoder rows, encoder width], each sample's
    /// tokens at its `plan.encoder` rows (cls, then the layout's visible patches).
    func forwardEncoder(_ samples: [MAESample], plan: BatchPlan, workspace: MAEWorkspace) {
        let c = configuration, p = parameters, w = c.encoder.width
        let patchLength = rgbChannels * c.patchSize * c.patchSize
        let patches = workspace[.patches], x = workspace[.encoder]
        for (i, sample) in samples.enumerated() {
            let layout = layouts[sample.mode]!
            let first = patches + plan.encoder[i].offset * patchLength
            // The cls row is a placeholder, overwritten after the embedding.
            first.update(repeating: 0, count: patchLength)
            sample.canvas.withUnsafeBufferPointer { canvas in
                layout.visible.withUnsafeBufferPointer { positions in
                    gatherNormalizedPatches(
                        canvas: canvas.baseAddress!, side: c.imageSize, patch: c.patchSize,
                        positions: positions, into: first + patchLength)
                }
            }
        }
        linear(patches, rows: plan.encoderRows, weight: p.patchWeight, bias: p.patchBias, into: x)
        for (i, sample) in samples.enumerated() {
            let layout = layouts[sample.mode]!
            let cls = x + plan.encoder[i].offset * w
            cls.update(from: p.clsToken, count: w)
            addVector(p.positions, into: cls, count: w)
            for (t, position) in layout.visible.enumerated() {
                addVector(p.positions + (1 + position) * w, into: cls + (1 + t) * w, count: w)
            }
        }
        let scratch = workspace.blockScratch
        for (l, block) in p.encoderBlocks.enumerated() {
            transformerBlock(
                block, c.encoder, eps: c.normEps, x: x, rows: plan.encoderRows,
                samples: plan.encoder, scratch: scratch,
                headOutputs: headOutputHook(samples, .encoder, layer: l))
        }
        layerNorm(
            x, rows: plan.encoderRows, width: w, weight: p.normWeight, bias: p.normBias,
            eps: c.normEps, into: x)
    }
}
