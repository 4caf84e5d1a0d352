import Network

extension SquaredConv {
    /// The window geometry over an input image, after checking its channels.
    func window(for image: ChannelImage, node: String) throws -> KernelWindow {
        guard image.c == inPerGroup * conv.groups else {
            throw PathKernelError.invalidOp(node: node,
                reason: "kernel '\(weightName)' takes \(inPerGroup * conv.groups) input channels "
                    + "(\(inPerGroup) per group × \(conv.groups)), input has \(image.c)")
        }
        return try KernelWindow(node: node, inH: image.h, inW: image.w, kernel: [kH, kW], stride: conv.stride,
                                dilation: conv.dilation, padding: conv.padding)
    }

    /// Rows (in-channel of the group, ky, kx) × columns (oy, ox) of the
    /// input patches of group `group`; padding reads as zero.
    private func patches(_ image: ChannelImage, group: Int, window g: KernelWindow) -> [Double] {
        let columns = g.outH * g.outW
        var col = [Double](repeating: 0, count: inPerGroup * kH * kW * columns)
        for ci in 0..<inPerGroup {
            let plane = (group * inPerGroup + ci) * image.h * image.w
            for ky in 0..<kH { for kx in 0..<kW {
                let rowBase = ((ci * kH + ky) * kW + kx) * columns
                for oy in 0..<g.outH {
                    let iy = g.row(oy, ky)
                    guard iy >= 0, iy < image.h else { continue }
                    for ox in 0..<g.outW {
                        let ix = g.column(ox, kx)
                        guard ix >= 0, ix < image.w else { continue }
                        col[rowBase + oy * g.outW + ox] = image.data[plane + iy * image.w + ix]
                    }
                }
            } }
        }
        return col
    }

    /// Adds patch gradients back onto the input image they were read from.
    private func scatter(_ col: [Double], into image: inout ChannelImage, group: Int, window g: KernelWindow) {
        let columns = g.outH * g.outW
        for ci in 0..<inPerGroup {
            let plane = (group * inPerGroup + ci) * image.h * image.w
            for ky in 0..<kH { for kx in 0..<kW {
                let rowBase = ((ci * kH + ky) * kW + kx) * columns
                for oy in 0..<g.outH {
                    let iy = g.row(oy, ky)
                    guard iy >= 0, iy < image.h else { continue }
                    for ox in 0..<g.outW {
                        let ix = g.column(ox, kx)
                        guard ix >= 0, ix < image.w else { continue }
                        image.data[plane + iy * image.w + ix] += col[rowBase + oy * g.outW + ox]
                    }
                }
            } }
        }
    }

    private var outPerGroup: Int { outChannels / conv.groups }
    private var patchSize: Int { inPerGroup * kH * kW }

    /// The squared convolution of one sample, per group one matrix product.
    func forward(_ x: KernelValue, layout: Layout, node: String) throws -> KernelValue {
        let image = try ChannelImage(x, layout: layout, node: node)
        let g = try window(for: image, node: node)
        let columns = g.outH * g.outW
        var out = ChannelImage(c: outChannels, h: g.outH, w: g.outW)
        for group in 0..<conv.groups {
            let col = patches(image, group: group, window: g)
            KernelBLAS.multiply(weight, offsetA: group * outPerGroup * patchSize, transposeA: false,
                                col, transposeB: false, into: &out.data, offsetC: group * outPerGroup * columns,
                                m: outPerGroup, n: columns, k: patchSize, accumulate: false)
        }
        if let bias {
            for o in 0..<outChannels { for p in 0..<columns { out.data[o * columns + p] += bias[o] } }
        }
        return out.value(layout: layout)
    }

    /// Records the kernel and bias gradients (stored orientation) and
    /// returns the gradient with respect to the input.
    func backward(input x: KernelValue, gradient delta: KernelValue, layout: Layout, node: String,
                  into gradients: inout KernelGradients) throws -> KernelValue {
        let image = try ChannelImage(x, layout: layout, node: node)
        let g = try window(for: image, node: node)
        let columns = g.outH * g.outW
        let dOut = try ChannelImage(delta, layout: layout, node: node)
        var dW = [Double](repeating: 0, count: weight.count)
        var dImage = ChannelImage(c: image.c, h: image.h, w: image.w)
        for group in 0..<conv.groups {
            let col = patches(image, group: group, window: g)
            KernelBLAS.multiply(dOut.data, offsetA: group * outPerGroup * columns, transposeA: false,
                                col, transposeB: true, into: &dW, offsetC: group * outPerGroup * patchSize,
                                m: outPerGroup, n: patchSize, k: columns, accumulate: false)
            var dCol = [Double](repeating: 0, count: patchSize * columns)
            KernelBLAS.multiply(weight, offsetA: group * outPerGroup * patchSize, transposeA: true,
                                dOut.data, offsetB: group * outPerGroup * columns, transposeB: false, into: &dCol,
                                m: patchSize, n: columns, k: outPerGroup, accumulate: false)
            scatter(dCol, into: &dImage, group: group, window: g)
        }
        gradients.add(weightName, storedKeras ? kerasOrder(dW) : dW)
        if let biasName {
            var db = [Double](repeating: 0, count: outChannels)
            for o in 0..<outChannels { for p in 0..<columns { db[o] += dOut.data[o * columns + p] } }
            gradients.add(biasName, db)
        }
        return dImage.value(layout: layout)
    }

    /// A canonical (o, i, kh, kw) array in Keras (kh, kw, i, o) order.
    private func kerasOrder(_ canonical: [Double]) -> [Double] {
        var stored = canonical
        for f in 0..<outChannels { for c in 0..<inPerGroup { for y in 0..<kH { for x in 0..<kW {
            stored[((y * kW + x) * inPerGroup + c) * outChannels + f] = canonical[((f * inPerGroup + c) * kH + y) * kW + x]
        } } } }
        return stored
    }
}
