import Network

/// One sample's activation (or its gradient) in the squared network: the
/// per-sample shape in the network's layout order and the elements in C
/// order of that shape.
struct KernelValue {
    var shape: [Int]
    var data: [Double]

    init(shape: [Int], data: [Double]) {
        precondition(shape.reduce(1, *) == data.count, "KernelValue: shape \(shape) vs \(data.count) elements")
        self.shape = shape; self.data = data
    }

    init(shape: [Int], repeating value: Double) {
        self.init(shape: shape, data: [Double](repeating: value, count: shape.reduce(1, *)))
    }
}

/// A (C, H, W) image in channel-major order, whatever the layout: the form
/// the window ops work in.
struct ChannelImage {
    var c: Int, h: Int, w: Int
    var data: [Double]

    /// Reads a rank-3 value: (C, H, W) for torch, (H, W, C) for keras.
    init(_ value: KernelValue, layout: Layout, node: String) throws {
        guard value.shape.count == 3 else {
            throw PathKernelError.invalidOp(node: node,
                reason: "needs an image (rank 3 per sample), got shape \(value.shape)")
        }
        switch layout {
        case .torch:
            c = value.shape[0]; h = value.shape[1]; w = value.shape[2]
            data = value.data
        case .keras:
            h = value.shape[0]; w = value.shape[1]; c = value.shape[2]
            data = ChannelImage.transpose(value.data, rows: h * w, columns: c)
        }
    }

    init(c: Int, h: Int, w: Int, data: [Double]) {
        precondition(c * h * w == data.count)
        self.c = c; self.h = h; self.w = w; self.data = data
    }

    init(c: Int, h: Int, w: Int) {
        self.init(c: c, h: h, w: w, data: [Double](repeating: 0, count: c * h * w))
    }

    /// Back to the layout's own order.
    func value(layout: Layout) -> KernelValue {
        switch layout {
        case .torch: return KernelValue(shape: [c, h, w], data: data)
        case .keras: return KernelValue(shape: [h, w, c], data: ChannelImage.transpose(data, rows: c, columns: h * w))
        }
    }

    /// The transpose of a row-major rows×columns matrix.
    static func transpose(_ m: [Double], rows: Int, columns: Int) -> [Double] {
        var t = [Double](repeating: 0, count: m.count)
        for r in 0..<rows { for col in 0..<columns { t[col * rows + r] = m[r * columns + col] } }
        return t
    }
}
