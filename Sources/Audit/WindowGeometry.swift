import Network

/// Output size and leading padding of a 2-D window op along one axis.
struct WindowAxis: Equatable {
    var output: Int
    /// Padding before the first input (top or left).
    var before: Int

    /// PyTorch explicit padding: out = ⌊(in + before + after − d(k−1) − 1)/s⌋ + 1.
    /// TensorFlow `same`: out = ⌈in/s⌉, total padding max((out−1)s + d(k−1) + 1 − in, 0),
    /// the smaller half before. Nil when the window does not fit.
    static func make(input: Int, kernel: Int, stride: Int, dilation: Int,
                     padding: Padding, axis: Int) -> WindowAxis? {
        guard input > 0, kernel > 0, stride > 0, dilation > 0 else { return nil }
        let span = dilation * (kernel - 1) + 1
        switch padding {
        case .same:
            let output = (input + stride - 1) / stride
            let total = max((output - 1) * stride + span - input, 0)
            return WindowAxis(output: output, before: total / 2)
        case let .explicit(top, bottom, left, right):
            let (before, after) = axis == 0 ? (top, bottom) : (left, right)
            let padded = input + before + after
            guard padded >= span else { return nil }
            return WindowAxis(output: (padded - span) / stride + 1, before: before)
        }
    }
}
