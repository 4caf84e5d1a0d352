import Foundation
import FuzzSupport
import WeightFiles

/// A safetensors file in memory: header size, JSON, dtypes, shapes, offsets
/// (range, overlap, coverage) are validated before any data is touched;
/// every tensor of an accepted file must read with exactly the bytes its
/// shape calls for.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let url = URL(fileURLWithPath: "/fuzz/input.safetensors")
    do {
        let file = try SafetensorsFile(data: inputData(start, count), url: url)
        var total = 0
        for name in file.tensorNames {
            let tensor = try file.read(name)
            precondition(tensor.bytes.count == tensor.shape.reduce(1, *) * tensor.dtype.byteCount)
            total += tensor.bytes.count
        }
        precondition(total <= count, "tensors hold \(total) bytes, more than the \(count)-byte input")
    } catch {
        checkRefusal(error, naming: url.path)
    }
    return 0
}
