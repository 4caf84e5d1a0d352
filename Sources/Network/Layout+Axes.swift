extension Layout {
    /// The channel axis of a per-sample shape of rank `rank`: 0 for torch
    /// (C, H, W), the last axis for keras (H, W, C); 0 for a vector.
    public func channelAxis(rank: Int) -> Int {
        switch self {
        case .torch: return 0
        case .keras: return Swift.max(rank - 1, 0)
        }
    }

    /// The (height, width) axes of a rank-3 per-sample shape.
    public var spatialAxes: (height: Int, width: Int) {
        switch self {
        case .torch: return (1, 2)
        case .keras: return (0, 1)
        }
    }

    /// A rank-3 per-sample shape from channels and spatial size.
    public func imageShape(channels: Int, height: Int, width: Int) -> [Int] {
        switch self {
        case .torch: return [channels, height, width]
        case .keras: return [height, width, channels]
        }
    }

    /// Axes of a dense weight: `out` selects the produced unit, `in` the
    /// consumed one. torch (out, in); keras (in, out).
    public var linearAxes: (out: Int, in: Int) {
        switch self {
        case .torch: return (0, 1)
        case .keras: return (1, 0)
        }
    }

    /// Axes of a conv weight: torch (out, in/g, kh, kw); keras (kh, kw, in/g, out).
    public var convAxes: (out: Int, in: Int, kh: Int, kw: Int) {
        switch self {
        case .torch: return (0, 1, 2, 3)
        case .keras: return (3, 2, 0, 1)
        }
    }
}

/// The channel of every element of a per-sample tensor, in C order.
///
/// For a vector each element is its own channel; otherwise the coordinate
/// along the layout's channel axis.
func channelOfElements(shape: [Int], layout: Layout) -> [Int] {
    let count = shape.reduce(1, *)
    guard shape.count > 1 else { return Array(0..<count) }
    let axis = layout.channelAxis(rank: shape.count)
    let stride = shape[(axis + 1)...].reduce(1, *)
    let size = shape[axis]
    return (0..<count).map { ($0 / stride) % size }
}

/// The number of channels (units) of a per-sample shape in `layout`.
func channelCount(of shape: [Int], layout: Layout) -> Int {
    guard !shape.isEmpty else { return 1 }
    return shape[layout.channelAxis(rank: shape.count)]
}
