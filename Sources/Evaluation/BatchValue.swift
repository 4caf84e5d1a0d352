import Network

/// The value of one node for a whole batch: `count` samples of
/// `sampleShape` (layout order), stored sample after sample in C order.
struct BatchValue<S: EvaluationScalar> {
    var sampleShape: [Int]
    var count: Int
    var data: [S]

    /// Elements per sample.
    var sampleSize: Int { sampleShape.reduce(1, *) }

    init(sampleShape: [Int], count: Int, data: [S]) {
        precondition(data.count == count * sampleShape.reduce(1, *), "batch data does not fit its shape")
        self.sampleShape = sampleShape; self.count = count; self.data = data
    }

    /// A zero-filled batch.
    init(sampleShape: [Int], count: Int) {
        self.init(sampleShape: sampleShape, count: count,
                  data: [S](repeating: 0, count: count * sampleShape.reduce(1, *)))
    }
}

/// The channel and spatial extents of a per-sample image shape in a layout,
/// with the strides that address element (c, h, w) within one sample.
struct ImageGeometry: Equatable {
    var channels: Int, height: Int, width: Int
    var channelStride: Int, rowStride: Int, columnStride: Int

    /// (C,H,W) for torch, (H,W,C) for keras; nil for any other rank.
    init?(sampleShape: [Int], layout: Layout) {
        guard sampleShape.count == 3 else { return nil }
        switch layout {
        case .torch:
            channels = sampleShape[0]; height = sampleShape[1]; width = sampleShape[2]
            channelStride = height * width; rowStride = width; columnStride = 1
        case .keras:
            height = sampleShape[0]; width = sampleShape[1]; channels = sampleShape[2]
            channelStride = 1; rowStride = width * channels; columnStride = channels
        }
    }

    /// The per-sample shape of a (channels, height, width) image in `layout`.
    static func sampleShape(channels: Int, height: Int, width: Int, layout: Layout) -> [Int] {
        layout == .torch ? [channels, height, width] : [height, width, channels]
    }
}
