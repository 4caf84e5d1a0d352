import Foundation
import FuzzSupport
import WeightFiles

/// One `.npy` array in memory: preamble, header dict literal, descr, shape
/// and data length are validated, then the tensor is read (byte swapping
/// and Fortran-order transposition included). Anything the parser accepts
/// must read as a tensor of the shape and dtype it announced.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNPY(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let url = URL(fileURLWithPath: "/fuzz/input.npy")
    do {
        let file = try NPYFile(data: inputData(start, count), url: url)
        let info = try file.info(file.name)
        let tensor = try file.read(file.name)
        precondition(tensor.shape == info.shape && tensor.dtype == info.dtype, "read \(tensor.shape) \(tensor.dtype), announced \(info)")
        precondition(tensor.bytes.count == tensor.shape.reduce(1, *) * tensor.dtype.byteCount)
    } catch {
        checkRefusal(error, naming: url.path)
    }
    return 0
}
