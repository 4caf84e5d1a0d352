import Network

/// Direct, loop-by-loop definitions of convolution and pooling in Double
/// (no im2col, no BLAS), written from the PyTorch documentation, to check the
/// evaluator's fast paths against. Images are (N, C, H, W) in C order.
enum ReferenceOps {
    struct Image {
        var n: Int, c: Int, h: Int, w: Int
        var data: [Double]
        subscript(n: Int, c: Int, y: Int, x: Int) -> Double { data[((n * self.c + c) * h + y) * w + x] }
    }

    /// out[n][o][y][x] = b[o] + Σ_{c in group, i, j} W[o][c][i][j] · in[n][g·Cg + c][y·s − p + i·d][x·s − p + j·d].
    static func conv(_ input: Image, weight: [Double], outChannels: Int, kernel: (Int, Int), bias: [Double]?,
                     stride: (Int, Int), pad: (top: Int, bottom: Int, left: Int, right: Int), dilation: (Int, Int),
                     groups: Int) -> Image {
        let cg = input.c / groups, og = outChannels / groups
        let oh = (input.h + pad.top + pad.bottom - (kernel.0 - 1) * dilation.0 - 1) / stride.0 + 1
        let ow = (input.w + pad.left + pad.right - (kernel.1 - 1) * dilation.1 - 1) / stride.1 + 1
        var out = Image(n: input.n, c: outChannels, h: oh, w: ow, data: [])
        for n in 0..<input.n {
            for o in 0..<outChannels {
                let g = o / og
                for y in 0..<oh {
                    for x in 0..<ow {
                        var sum = bias?[o] ?? 0
                        for c in 0..<cg {
                            for i in 0..<kernel.0 {
                                for j in 0..<kernel.1 {
                                    let iy = y * stride.0 - pad.top + i * dilation.0
                                    let ix = x * stride.1 - pad.left + j * dilation.1
                                    guard iy >= 0, iy < input.h, ix >= 0, ix < input.w else { continue }
                                    sum += weight[((o * cg + c) * kernel.0 + i) * kernel.1 + j]
                                        * input[n, g * cg + c, iy, ix]
                                }
                            }
                        }
                        out.data.append(sum)
                    }
                }
            }
        }
        return out
    }

    /// Max or average pooling with explicit padding; the average divides by
    /// the whole window (PyTorch count_include_pad=True) or by the positions
    /// inside the input.
    static func pool(_ input: Image, kernel: (Int, Int), stride: (Int, Int), pad: (Int, Int), max isMax: Bool,
                     includePadding: Bool) -> Image {
        let oh = (input.h + 2 * pad.0 - kernel.0) / stride.0 + 1
        let ow = (input.w + 2 * pad.1 - kernel.1) / stride.1 + 1
        var out = Image(n: input.n, c: input.c, h: oh, w: ow, data: [])
        for n in 0..<input.n {
            for c in 0..<input.c {
                for y in 0..<oh {
                    for x in 0..<ow {
                        var best = -Double.infinity, sum = 0.0, inside = 0
                        for i in 0..<kernel.0 {
                            for j in 0..<kernel.1 {
                                let iy = y * stride.0 - pad.0 + i, ix = x * stride.1 - pad.1 + j
                                guard iy >= 0, iy < input.h, ix >= 0, ix < input.w else { continue }
                                best = max(best, input[n, c, iy, ix]); sum += input[n, c, iy, ix]; inside += 1
                            }
                        }
                        out.data.append(isMax ? best : sum / Double(includePadding ? kernel.0 * kernel.1 : inside))
                    }
                }
            }
        }
        return out
    }

    /// (N, C, H, W) → (N, H, W, C).
    static func toNHWC(_ image: Image) -> [Double] {
        var result: [Double] = []
        for n in 0..<image.n { for y in 0..<image.h { for x in 0..<image.w { for c in 0..<image.c {
            result.append(image[n, c, y, x])
        } } } }
        return result
    }

    /// A torch conv weight (O, I, kh, kw) as a Keras kernel (kh, kw, I, O).
    static func kerasKernel(_ weight: [Double], o: Int, i: Int, kh: Int, kw: Int) -> [Double] {
        var result = [Double](repeating: 0, count: weight.count)
        for a in 0..<o { for b in 0..<i { for y in 0..<kh { for x in 0..<kw {
            result[((y * kw + x) * i + b) * o + a] = weight[((a * i + b) * kh + y) * kw + x]
        } } } }
        return result
    }
}
