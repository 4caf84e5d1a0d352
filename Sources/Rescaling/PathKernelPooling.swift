import Network

/// Pooling in the squared network.
///
/// Max pooling keeps the reference code's rule: the forward pass takes the
/// maximum, the backward pass sends the gradient to the position of the
/// maximum (the first one in window scan order on ties, as PyTorch does), so
/// only paths through that position count. Average pooling is a linear map
/// with fixed coefficients 1/count, and a path's coefficient enters the
/// kernel squared, so it uses 1/count².
enum KernelPooling {
    /// Max over each window; also returns, per output element, the flat
    /// (c, y, x) index of the chosen input element (−1 for an all-padding window).
    static func maxForward(_ image: ChannelImage, pool: Pool2D, node: String) throws -> (ChannelImage, [Int]) {
        let g = try window(image, pool: pool, node: node)
        var out = ChannelImage(c: image.c, h: g.outH, w: g.outW)
        var argmax = [Int](repeating: -1, count: out.data.count)
        for c in 0..<image.c {
            let plane = c * image.h * image.w
            for oy in 0..<g.outH { for ox in 0..<g.outW {
                var best = -Double.infinity, bestIndex = -1
                for ky in 0..<g.kH {
                    let iy = g.row(oy, ky)
                    guard iy >= 0, iy < image.h else { continue }
                    for kx in 0..<g.kW {
                        let ix = g.column(ox, kx)
                        guard ix >= 0, ix < image.w else { continue }
                        let v = image.data[plane + iy * image.w + ix]
                        if v > best || bestIndex < 0 { best = v; bestIndex = plane + iy * image.w + ix }
                    }
                }
                let o = (c * g.outH + oy) * g.outW + ox
                argmax[o] = bestIndex
                out.data[o] = bestIndex >= 0 ? best : 0
            } }
        }
        return (out, argmax)
    }

    /// Sends each output gradient to its window's maximum.
    static func maxBackward(_ delta: ChannelImage, argmax: [Int], input: ChannelImage) -> ChannelImage {
        var dx = ChannelImage(c: input.c, h: input.h, w: input.w)
        for (o, index) in argmax.enumerated() where index >= 0 { dx.data[index] += delta.data[o] }
        return dx
    }

    /// The window geometry of a pooling op over `image`.
    static func window(_ image: ChannelImage, pool: Pool2D, node: String) throws -> KernelWindow {
        try KernelWindow(node: node, inH: image.h, inW: image.w, kernel: pool.kernel, stride: pool.stride,
                         padding: pool.padding)
    }

    /// Calls `body(outputIndex, inputIndex, coefficient²)` for every input
    /// element of every average-pooling window.
    private static func forEachAverageTerm(_ image: ChannelImage, pool: Pool2D, window g: KernelWindow,
                                           _ body: (Int, Int, Double) -> Void) {
        var members: [Int] = []
        for c in 0..<image.c {
            let plane = c * image.h * image.w
            for oy in 0..<g.outH { for ox in 0..<g.outW {
                members.removeAll(keepingCapacity: true)
                for ky in 0..<g.kH {
                    let iy = g.row(oy, ky)
                    guard iy >= 0, iy < image.h else { continue }
                    for kx in 0..<g.kW {
                        let ix = g.column(ox, kx)
                        guard ix >= 0, ix < image.w else { continue }
                        members.append(plane + iy * image.w + ix)
                    }
                }
                let count = pool.countIncludesPadding ? g.kH * g.kW : members.count
                guard count > 0 else { continue }
                let coefficient = 1 / Double(count)
                let o = (c * g.outH + oy) * g.outW + ox
                for index in members { body(o, index, coefficient * coefficient) }
            } }
        }
    }

    /// Window sums of the inputs times (1/count)².
    static func averageForward(_ image: ChannelImage, pool: Pool2D, node: String) throws -> ChannelImage {
        let g = try window(image, pool: pool, node: node)
        var out = ChannelImage(c: image.c, h: g.outH, w: g.outW)
        forEachAverageTerm(image, pool: pool, window: g) { o, i, weight in out.data[o] += weight * image.data[i] }
        return out
    }

    /// The transpose of `averageForward`.
    static func averageBackward(_ delta: ChannelImage, pool: Pool2D, input: ChannelImage, node: String) throws -> ChannelImage {
        let g = try window(input, pool: pool, node: node)
        var dx = ChannelImage(c: input.c, h: input.h, w: input.w)
        forEachAverageTerm(input, pool: pool, window: g) { o, i, weight in dx.data[i] += weight * delta.data[o] }
        return dx
    }

    /// Per channel: Σ over the plane times (1/(H·W))², or the plane's
    /// maximum with its index (first on ties).
    static func globalForward(_ image: ChannelImage, maximum: Bool) -> (values: [Double], argmax: [Int]) {
        let planeSize = image.h * image.w
        var values = [Double](repeating: 0, count: image.c), argmax = [Int](repeating: -1, count: image.c)
        let coefficient = 1 / Double(planeSize)
        for c in 0..<image.c {
            let plane = c * planeSize
            if maximum {
                var best = -Double.infinity
                for p in 0..<planeSize where image.data[plane + p] > best || argmax[c] < 0 {
                    best = image.data[plane + p]; argmax[c] = plane + p
                }
                values[c] = planeSize > 0 ? best : 0
            } else {
                var sum = 0.0
                for p in 0..<planeSize { sum += image.data[plane + p] }
                values[c] = sum * coefficient * coefficient
            }
        }
        return (values, argmax)
    }

    /// The gradient of `globalForward` with respect to the image.
    static func globalBackward(_ delta: [Double], input: ChannelImage, maximum: Bool, argmax: [Int]) -> ChannelImage {
        var dx = ChannelImage(c: input.c, h: input.h, w: input.w)
        let planeSize = input.h * input.w
        let coefficient = 1 / Double(planeSize)
        for c in 0..<input.c {
            if maximum {
                if argmax[c] >= 0 { dx.data[argmax[c]] += delta[c] }
            } else {
                for p in 0..<planeSize { dx.data[c * planeSize + p] = delta[c] * coefficient * coefficient }
            }
        }
        return dx
    }
}
