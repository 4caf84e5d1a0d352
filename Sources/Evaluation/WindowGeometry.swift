import Network

/// Where a 2-D sliding window (convolution or pooling) starts and how many
/// positions it takes along each spatial axis.
struct WindowGeometry: Equatable {
    var kernelHeight: Int, kernelWidth: Int
    var strideHeight: Int, strideWidth: Int
    var dilationHeight: Int, dilationWidth: Int
    var padTop: Int, padBottom: Int, padLeft: Int, padRight: Int
    var outputHeight: Int, outputWidth: Int

    /// Resolves `padding` for an input of `height`×`width`. `same` follows
    /// TensorFlow/Keras: output ceil(in/stride), total padding
    /// max((out−1)·s + (k−1)·d + 1 − in, 0), the odd one at the bottom/right.
    /// Throws when a parameter is not positive or the window does not fit.
    init(node: String, height: Int, width: Int, kernel: [Int], stride: [Int], dilation: [Int],
         padding: Padding) throws {
        guard kernel.count == 2, stride.count == 2, dilation.count == 2,
              (kernel + stride + dilation).allSatisfy({ $0 > 0 }) else {
            throw EvaluationError.shapeMismatch(node: node,
                reason: "kernel \(kernel), stride \(stride), dilation \(dilation) must be two positive numbers each")
        }
        kernelHeight = kernel[0]; kernelWidth = kernel[1]
        strideHeight = stride[0]; strideWidth = stride[1]
        dilationHeight = dilation[0]; dilationWidth = dilation[1]
        let spanHeight = (kernelHeight - 1) * dilationHeight + 1
        let spanWidth = (kernelWidth - 1) * dilationWidth + 1
        switch padding {
        case let .explicit(top, bottom, left, right):
            guard [top, bottom, left, right].allSatisfy({ $0 >= 0 }) else {
                throw EvaluationError.shapeMismatch(node: node, reason: "negative padding \([top, bottom, left, right])")
            }
            padTop = top; padBottom = bottom; padLeft = left; padRight = right
            outputHeight = (height + top + bottom - spanHeight) >= 0
                ? (height + top + bottom - spanHeight) / strideHeight + 1 : 0
            outputWidth = (width + left + right - spanWidth) >= 0
                ? (width + left + right - spanWidth) / strideWidth + 1 : 0
        case .same:
            outputHeight = (height + strideHeight - 1) / strideHeight
            outputWidth = (width + strideWidth - 1) / strideWidth
            let totalHeight = max((outputHeight - 1) * strideHeight + spanHeight - height, 0)
            let totalWidth = max((outputWidth - 1) * strideWidth + spanWidth - width, 0)
            padTop = totalHeight / 2; padBottom = totalHeight - padTop
            padLeft = totalWidth / 2; padRight = totalWidth - padLeft
        }
        guard outputHeight > 0, outputWidth > 0 else {
            throw EvaluationError.shapeMismatch(node: node,
                reason: "a \(kernel[0])×\(kernel[1]) window (dilation \(dilation)) does not fit a \(height)×\(width) input with its padding")
        }
    }
}
