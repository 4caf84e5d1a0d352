import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Failures of the generator, naming the path.
public struct GeneratorError: Error, CustomStringConvertible {
    public var description: String
}

extension MLPModel {
    /// The safetensors header (8-byte size, JSON padded with spaces to a
    /// multiple of 8), with `__metadata__ = {"format": "pt"}`.
    func safetensorsHeader() -> [UInt8] {
        var fields = ["\"__metadata__\":{\"format\":\"pt\"}"]
        var offset = 0
        for layer in 0..<depth {
            let weightEnd = offset + 4 * width * width
            fields.append("\"\(2 * layer).weight\":{\"dtype\":\"F32\",\"shape\":[\(width),\(width)],\"data_offsets\":[\(offset),\(weightEnd)]}")
            let biasEnd = weightEnd + 4 * width
            fields.append("\"\(2 * layer).bias\":{\"dtype\":\"F32\",\"shape\":[\(width)],\"data_offsets\":[\(weightEnd),\(biasEnd)]}")
            offset = biasEnd
        }
        var json = Array(("{" + fields.joined(separator: ",") + "}").utf8)
        json += [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8)
        var size = [UInt8](repeating: 0, count: 8)
        for k in 0..<8 { size[k] = UInt8(truncatingIfNeeded: UInt64(json.count) >> (8 * UInt64(k))) }
        return size + json
    }

    /// Size of the safetensors file in bytes.
    public var fileByteCount: Int { safetensorsHeader().count + dataByteCount }

    /// Writes the model as a safetensors file at `url` (through a temporary
    /// file renamed into place), one layer in memory at a time.
    public func writeSafetensors(to url: URL) throws {
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).partial-\(getpid())")
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw GeneratorError(description: "cannot create \(temporary.path): \(String(cString: strerror(errno)))") }
        var closed = false
        defer { if !closed { close(descriptor); unlink(temporary.path) } }

        func emit(_ buffer: UnsafeRawBufferPointer) throws {
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw GeneratorError(description: "cannot write \(temporary.path): \(String(cString: strerror(errno)))")
                }
                offset += written
            }
        }

        try safetensorsHeader().withUnsafeBytes(emit)
        var random = SplitMix64(seed: seed)
        var weights = [Float](repeating: 0, count: width * width)
        var bias = [Float](repeating: 0, count: width)
        // Scales of the units consumed (inputs: 1) and produced (outputs: 1).
        var inverseColumnScale = [Float](repeating: 1, count: width)
        var rowScale = [Float](repeating: 1, count: width)
        for layer in 0..<depth {
            let isLast = layer == depth - 1
            for i in 0..<width {
                rowScale[i] = isLast ? 1 : Float(exp2(spread * Double(random.symmetricUnit())))
            }
            let weightBound = Float((6.0 / Double(width)).squareRoot())
            let biasBound = Float(1 / Double(width).squareRoot())
            weights.withUnsafeMutableBufferPointer { w in
                for i in 0..<width {
                    let row = i * width
                    let scale = rowScale[i]
                    for j in 0..<width {
                        w[row + j] = weightBound * random.symmetricUnit() * scale * inverseColumnScale[j]
                    }
                }
            }
            for i in 0..<width { bias[i] = biasBound * random.symmetricUnit() * rowScale[i] }
            try weights.withUnsafeBytes(emit)
            try bias.withUnsafeBytes(emit)
            for i in 0..<width { inverseColumnScale[i] = 1 / rowScale[i] }
        }
        guard fsync(descriptor) == 0 || errno == EINVAL else {
            throw GeneratorError(description: "cannot sync \(temporary.path): \(String(cString: strerror(errno)))")
        }
        close(descriptor)
        closed = true
        guard rename(temporary.path, url.path) == 0 else {
            unlink(temporary.path)
            throw GeneratorError(description: "cannot rename \(temporary.path) to \(url.path): \(String(cString: strerror(errno)))")
        }
    }
}
