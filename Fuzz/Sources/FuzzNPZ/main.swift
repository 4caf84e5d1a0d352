import Foundation
import FuzzSupport
import WeightFiles

/// An `.npz` in memory: the zip structure (through ZIPFoundation), each
/// member's checksum and `.npy` contents; every tensor of an accepted
/// archive must read.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNPZ(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let url = URL(fileURLWithPath: "/fuzz/input.npz")
    do {
        let file = try NPZFile(data: inputData(start, count), url: url)
        for name in file.tensorNames {
            let info = try file.info(name)
            let tensor = try file.read(name)
            precondition(tensor.shape == info.shape && tensor.dtype == info.dtype, "\(name): read \(tensor.shape), announced \(info.shape)")
        }
    } catch {
        checkRefusal(error, naming: url.path)
    }
    return 0
}
