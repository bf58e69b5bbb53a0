extension MAEModel {
    /// The decoder (MAE's `forward_decoder`): embeds the encoder output, builds the full-canvas
    /// sequence (cls, then every grid position: its encoder token where visible, the mask token
    /// elsewhere), adds the decoder positions, keeps cls + the layout's `kept` positions (the
    /// zero-shot layout drops rows 0..<grid/2 only after the positions are added), runs the
    /// blocks, and predicts logits for every kept position with `decoder_norm` + `decoder_pred`.
    /// Reads workspace[.encoder]; writes the samples' logits, [positions, vocabulary] each, one
    /// after the other into `logits`.
    func forwardDecoder(
        _ samples: [MAESample], plan: BatchPlan, workspace: MAEWorkspace,
        logits: UnsafeMutablePointer<Float>
    ) {
        let c = configuration, p = parameters, w = c.decoder.width
        let embedded = workspace[.embedded], y = workspace[.decoder]
        linear(
            workspace[.encoder], rows: plan.encoderRows, weight: p.decoderEmbedWeight,
            bias: p.decoderEmbedBias, into: embedded)
        for (i, sample) in samples.enumerated() {
            let layout = layouts[sample.mode]!
            let source = embedded + plan.encoder[i].offset * w
            let target = y + plan.decoder[i].offset * w
            target.update(from: source, count: w)
            addVector(p.decoderPositions, into: target, count: w)
            for (t, position) in layout.kept.enumerated() {
                let row = target + (1 + t) * w
                if let e = layout.encoderToken[position] {
                    row.update(from: source + e * w, count: w)
                } else {
                    row.update(from: p.maskToken, count: w)
                }
                addVector(p.decoderPositions + (1 + position) * w, into: row, count: w)
            }
        }
        let scratch = workspace.blockScratch
        for (l, block) in p.decoderBlocks.enumerated() {
            transformerBlock(
                block, c.decoder, eps: c.normEps, x: y, rows: plan.decoderRows,
                samples: plan.decoder, scratch: scratch,
                headOutputs: headOutputHook(samples, .decoder, layer: l))
        }
        // Every token but cls, gathered so that one product writes all samples' logits.
        var predicted = 0
        for rows in plan.decoder {
            layerNorm(
                y + (rows.offset + 1) * w, rows: rows.tokens - 1, width: w, weight: p.decoderNormWeight,
                bias: p.decoderNormBias, eps: c.normEps, into: scratch.normed + predicted * w)
            predicted += rows.tokens - 1
        }
        linear(scratch.normed, rows: predicted, weight: p.predictionWeight, bias: p.predictionBias, into: logits)
    }
}
