import Network

/// The geometry of a 2-D sliding window (convolution or pooling) over one
/// (C, H, W) sample: input size, kernel, stride, dilation, padding before
/// the first row/column and the resulting output size.
struct KernelWindow: Equatable {
    var inH: Int, inW: Int
    var kH: Int, kW: Int
    var sH: Int, sW: Int
    var dH: Int, dW: Int
    var padTop: Int, padLeft: Int
    var outH: Int, outW: Int

    /// Works out the output size the way PyTorch (explicit padding, floor
    /// mode) and Keras (`same`: ceil(in/stride), odd extra at bottom/right)
    /// do. Throws when a size is not positive or the window does not fit.
    init(node: String, inH: Int, inW: Int, kernel: [Int], stride: [Int], dilation: [Int] = [1, 1],
         padding: Padding) throws {
        guard kernel.count == 2, stride.count == 2, dilation.count == 2 else {
            throw PathKernelError.invalidOp(node: node,
                reason: "kernel \(kernel), stride \(stride), dilation \(dilation) must each have two entries")
        }
        guard kernel.allSatisfy({ $0 > 0 }), stride.allSatisfy({ $0 > 0 }), dilation.allSatisfy({ $0 > 0 }) else {
            throw PathKernelError.invalidOp(node: node,
                reason: "kernel \(kernel), stride \(stride) and dilation \(dilation) must be positive")
        }
        self.inH = inH; self.inW = inW
        kH = kernel[0]; kW = kernel[1]; sH = stride[0]; sW = stride[1]; dH = dilation[0]; dW = dilation[1]
        let effH = (kH - 1) * dH + 1, effW = (kW - 1) * dW + 1
        switch padding {
        case .same:
            outH = (inH + sH - 1) / sH
            outW = (inW + sW - 1) / sW
            padTop = max((outH - 1) * sH + effH - inH, 0) / 2
            padLeft = max((outW - 1) * sW + effW - inW, 0) / 2
        case let .explicit(top, bottom, left, right):
            guard top >= 0, bottom >= 0, left >= 0, right >= 0 else {
                throw PathKernelError.invalidOp(node: node, reason: "negative padding \(padding)")
            }
            padTop = top; padLeft = left
            let spanH = inH + top + bottom - effH, spanW = inW + left + right - effW
            guard spanH >= 0, spanW >= 0 else {
                throw PathKernelError.invalidOp(node: node,
                    reason: "window \(effH)×\(effW) is larger than the padded input \(inH + top + bottom)×\(inW + left + right)")
            }
            outH = spanH / sH + 1
            outW = spanW / sW + 1
        }
        guard inH > 0, inW > 0, outH > 0, outW > 0 else {
            throw PathKernelError.invalidOp(node: node, reason: "input \(inH)×\(inW) gives an empty output")
        }
    }

    /// Input row read by output row `oy` at kernel row `ky` (may be out of range: padding).
    @inline(__always) func row(_ oy: Int, _ ky: Int) -> Int { oy * sH - padTop + ky * dH }
    /// Input column read by output column `ox` at kernel column `kx`.
    @inline(__always) func column(_ ox: Int, _ kx: Int) -> Int { ox * sW - padLeft + kx * dW }
}
