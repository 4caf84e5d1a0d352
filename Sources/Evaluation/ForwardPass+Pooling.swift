import Network

extension ForwardPass {
    /// Max or average pooling over H and W of each channel.
    ///
    /// Max ignores padded positions (as if −∞) and propagates NaN. Average
    /// sums the window's positions inside the input, row by row, and divides
    /// once: by the window's size within the padded input when
    /// `countIncludesPadding` (PyTorch's default), else by the number of
    /// positions inside the input (Keras `same`).
    func pool2d(_ x: BatchValue<S>, _ pool: Pool2D, max isMax: Bool, node: String) throws -> BatchValue<S> {
        guard let image = ImageGeometry(sampleShape: x.sampleShape, layout: network.layout) else {
            throw EvaluationError.shapeMismatch(node: node,
                reason: "pooling needs a per-sample image shape of three axes, got \(x.sampleShape)")
        }
        let window = try WindowGeometry(node: node, height: image.height, width: image.width,
                                        kernel: pool.kernel, stride: pool.stride, dilation: [1, 1],
                                        padding: pool.padding)
        let outShape = ImageGeometry.sampleShape(channels: image.channels, height: window.outputHeight,
                                                 width: window.outputWidth, layout: network.layout)
        var output = BatchValue<S>(sampleShape: outShape, count: x.count)
        guard let outImage = ImageGeometry(sampleShape: outShape, layout: network.layout) else { return output }
        let inputSize = x.sampleSize, outputSize = output.sampleSize
        x.data.withUnsafeBufferPointer { input in
            output.data.withUnsafeMutableBufferPointer { out in
                for sample in 0..<x.count {
                    let inBase = sample * inputSize, outBase = sample * outputSize
                    for c in 0..<image.channels {
                        for oh in 0..<window.outputHeight {
                            let paddedStart = oh * window.strideHeight - window.padTop
                            let paddedEnd = min(paddedStart + window.kernelHeight, image.height + window.padBottom)
                            let h0 = max(paddedStart, 0), h1 = min(paddedEnd, image.height)
                            for ow in 0..<window.outputWidth {
                                let paddedLeft = ow * window.strideWidth - window.padLeft
                                let paddedRight = min(paddedLeft + window.kernelWidth, image.width + window.padRight)
                                let w0 = max(paddedLeft, 0), w1 = min(paddedRight, image.width)
                                var result: S
                                if isMax {
                                    result = -S.infinity
                                    for ih in h0..<max(h1, h0) {
                                        for iw in w0..<max(w1, w0) {
                                            let v = input[inBase + c * image.channelStride + ih * image.rowStride
                                                          + iw * image.columnStride]
                                            if v > result || v.isNaN { result = v }
                                        }
                                    }
                                } else {
                                    var sum: S = 0
                                    for ih in h0..<max(h1, h0) {
                                        for iw in w0..<max(w1, w0) {
                                            sum += input[inBase + c * image.channelStride + ih * image.rowStride
                                                         + iw * image.columnStride]
                                        }
                                    }
                                    let divisor = pool.countIncludesPadding
                                        ? (paddedEnd - paddedStart) * (paddedRight - paddedLeft)
                                        : max(h1 - h0, 0) * max(w1 - w0, 0)
                                    result = divisor > 0 ? sum / S(divisor) : 0
                                }
                                out[outBase + c * outImage.channelStride + oh * outImage.rowStride
                                    + ow * outImage.columnStride] = result
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    /// Mean (sum, then one division by H·W) or max over H and W of each
    /// channel, giving a per-sample (C) vector.
    func globalPool(_ x: BatchValue<S>, max isMax: Bool, node: String) throws -> BatchValue<S> {
        guard let image = ImageGeometry(sampleShape: x.sampleShape, layout: network.layout) else {
            throw EvaluationError.shapeMismatch(node: node,
                reason: "global pooling needs a per-sample image shape of three axes, got \(x.sampleShape)")
        }
        var output = BatchValue<S>(sampleShape: [image.channels], count: x.count)
        let inputSize = x.sampleSize
        let area = S(image.height * image.width)
        x.data.withUnsafeBufferPointer { input in
            output.data.withUnsafeMutableBufferPointer { out in
                for sample in 0..<x.count {
                    let base = sample * inputSize
                    for c in 0..<image.channels {
                        var result: S = isMax ? -S.infinity : 0
                        for h in 0..<image.height {
                            for w in 0..<image.width {
                                let v = input[base + c * image.channelStride + h * image.rowStride + w * image.columnStride]
                                if isMax { if v > result || v.isNaN { result = v } } else { result += v }
                            }
                        }
                        out[sample * image.channels + c] = isMax ? result : result / area
                    }
                }
            }
        }
        return output
    }
}
