import Network

extension ForwardPass {
    /// 2-D convolution by im2col and one GEMM per sample and group.
    ///
    /// torch: weight (out, in/groups, kh, kw), activations (C,H,W); the
    /// group's weight block (out/g × in/g·kh·kw) times the column matrix
    /// (in/g·kh·kw × Hout·Wout) is the output block in NCHW order.
    /// keras: kernel (kh, kw, in/groups, out), activations (H,W,C); the
    /// column matrix (Hout·Wout × kh·kw·in/g) times the kernel's column block
    /// is the output in NHWC order. Bias is added after the product.
    func convolution(_ x: BatchValue<S>, _ conv: Conv2D, node: String) throws -> BatchValue<S> {
        guard let image = ImageGeometry(sampleShape: x.sampleShape, layout: network.layout) else {
            throw EvaluationError.shapeMismatch(node: node,
                reason: "conv2d needs a per-sample image shape of three axes, got \(x.sampleShape)")
        }
        let w = try parameter(conv.weight, of: node)
        let torch = network.layout == .torch
        guard w.shape.count == 4 else {
            throw EvaluationError.parameterMismatch(node: node, tensor: conv.weight,
                reason: "has shape \(w.shape); a conv2d kernel has four axes")
        }
        let groups = conv.groups
        let (outChannels, groupIn, kernelHeight, kernelWidth) = torch
            ? (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
            : (w.shape[3], w.shape[2], w.shape[0], w.shape[1])
        guard groups > 0, image.channels % groups == 0, outChannels % groups == 0,
              groupIn == image.channels / groups else {
            throw EvaluationError.parameterMismatch(node: node, tensor: conv.weight,
                reason: "has shape \(w.shape), which does not fit \(image.channels) input channels in \(groups) group(s)")
        }
        let window = try WindowGeometry(node: node, height: image.height, width: image.width,
                                        kernel: [kernelHeight, kernelWidth], stride: conv.stride,
                                        dilation: conv.dilation, padding: conv.padding)
        let positions = window.outputHeight * window.outputWidth
        let groupOut = outChannels / groups
        let depth = groupIn * kernelHeight * kernelWidth
        var output = BatchValue<S>(
            sampleShape: ImageGeometry.sampleShape(channels: outChannels, height: window.outputHeight,
                                                   width: window.outputWidth, layout: network.layout),
            count: x.count)
        let inputSize = x.sampleSize, outputSize = positions * outChannels
        // A 1×1, stride-1, unpadded convolution reads the input directly.
        let direct = kernelHeight == 1 && kernelWidth == 1 && window.strideHeight == 1 && window.strideWidth == 1
            && window.padTop == 0 && window.padBottom == 0 && window.padLeft == 0 && window.padRight == 0
        var columns = [S](repeating: 0, count: direct ? 0 : depth * positions)
        x.data.withUnsafeBufferPointer { input in
            w.withUnsafeValues { kernel in
                output.data.withUnsafeMutableBufferPointer { out in
                    columns.withUnsafeMutableBufferPointer { columns in
                        for sample in 0..<x.count {
                            for group in 0..<groups {
                                let inputBase = sample * inputSize
                                let source: UnsafeBufferPointer<S>, sourceOffset: Int, sourceStride: Int
                                if direct {
                                    source = input
                                    sourceOffset = inputBase + group * groupIn * image.channelStride
                                    sourceStride = torch ? positions : image.channels
                                } else {
                                    if torch {
                                        fillColumnsNCHW(columns, input: input, base: inputBase, image: image,
                                                        window: window, firstChannel: group * groupIn, channels: groupIn)
                                    } else {
                                        fillColumnsNHWC(columns, input: input, base: inputBase, image: image,
                                                        window: window, firstChannel: group * groupIn, channels: groupIn)
                                    }
                                    source = UnsafeBufferPointer(columns)
                                    sourceOffset = 0
                                    sourceStride = torch ? positions : depth
                                }
                                if torch {
                                    Gemm.multiply(transposeA: false, transposeB: false, m: groupOut, n: positions, k: depth,
                                                  a: kernel, aOffset: group * groupOut * depth, lda: depth,
                                                  b: source, bOffset: sourceOffset, ldb: sourceStride,
                                                  c: out, cOffset: sample * outputSize + group * groupOut * positions,
                                                  ldc: positions)
                                } else {
                                    Gemm.multiply(transposeA: false, transposeB: false, m: positions, n: groupOut, k: depth,
                                                  a: source, aOffset: sourceOffset, lda: sourceStride,
                                                  b: kernel, bOffset: group * groupOut, ldb: outChannels,
                                                  c: out, cOffset: sample * outputSize + group * groupOut,
                                                  ldc: outChannels)
                                }
                            }
                        }
                    }
                }
            }
        }
        if let bias = conv.bias {
            let b = try parameter(bias, of: node)
            guard b.count == outChannels else {
                throw EvaluationError.parameterMismatch(node: node, tensor: bias,
                    reason: "has \(b.count) elements for \(outChannels) output channels")
            }
            addChannelBias(&output, bias: b.values, channels: outChannels)
        }
        return output
    }

    /// Adds `bias[c]` to every element of channel c.
    func addChannelBias(_ value: inout BatchValue<S>, bias: [S], channels: Int) {
        let torch = network.layout == .torch
        let spatial = value.sampleSize / max(channels, 1)
        value.data.withUnsafeMutableBufferPointer { y in
            bias.withUnsafeBufferPointer { b in
                var index = 0
                for _ in 0..<value.count {
                    if torch {
                        for c in 0..<channels { let v = b[c]; for _ in 0..<spatial { y[index] += v; index += 1 } }
                    } else {
                        for _ in 0..<spatial { for c in 0..<channels { y[index] += b[c]; index += 1 } }
                    }
                }
            }
        }
    }

    /// Column matrix for NCHW: row (c·kh + i)·kw + j, column oh·Wout + ow
    /// holds x[c][oh·sh − pt + i·dh][ow·sw − pl + j·dw], zero outside.
    private func fillColumnsNCHW(_ columns: UnsafeMutableBufferPointer<S>, input: UnsafeBufferPointer<S>, base: Int,
                                 image: ImageGeometry, window: WindowGeometry, firstChannel: Int, channels: Int) {
        let outH = window.outputHeight, outW = window.outputWidth
        var row = 0
        for c in 0..<channels {
            let channelBase = base + (firstChannel + c) * image.channelStride
            for i in 0..<window.kernelHeight {
                for j in 0..<window.kernelWidth {
                    var column = row * outH * outW
                    for oh in 0..<outH {
                        let ih = oh * window.strideHeight - window.padTop + i * window.dilationHeight
                        if ih < 0 || ih >= image.height {
                            for _ in 0..<outW { columns[column] = 0; column += 1 }
                            continue
                        }
                        let rowBase = channelBase + ih * image.rowStride
                        for ow in 0..<outW {
                            let iw = ow * window.strideWidth - window.padLeft + j * window.dilationWidth
                            columns[column] = (iw >= 0 && iw < image.width) ? input[rowBase + iw] : 0
                            column += 1
                        }
                    }
                    row += 1
                }
            }
        }
    }

    /// Column matrix for NHWC: row oh·Wout + ow, column (i·kw + j)·Cg + c
    /// holds x[ih][iw][firstChannel + c], zero outside.
    private func fillColumnsNHWC(_ columns: UnsafeMutableBufferPointer<S>, input: UnsafeBufferPointer<S>, base: Int,
                                 image: ImageGeometry, window: WindowGeometry, firstChannel: Int, channels: Int) {
        var column = 0
        for oh in 0..<window.outputHeight {
            for ow in 0..<window.outputWidth {
                for i in 0..<window.kernelHeight {
                    let ih = oh * window.strideHeight - window.padTop + i * window.dilationHeight
                    for j in 0..<window.kernelWidth {
                        let iw = ow * window.strideWidth - window.padLeft + j * window.dilationWidth
                        if ih < 0 || ih >= image.height || iw < 0 || iw >= image.width {
                            for _ in 0..<channels { columns[column] = 0; column += 1 }
                        } else {
                            let pixel = base + ih * image.rowStride + iw * image.columnStride + firstChannel
                            for c in 0..<channels { columns[column] = input[pixel + c]; column += 1 }
                        }
                    }
                }
            }
        }
    }
}
