import Foundation
import FuzzSupport
import WeightFiles

/// Where each input is written: fulcrum reads `.npz` archives from files
/// (ZIPFoundation's file-backed reader), so that is the path fuzzed. A
/// memory file system when there is one.
let inputURL: URL = {
    let shm = URL(fileURLWithPath: "/dev/shm")
    let base = FileManager.default.isWritableFile(atPath: shm.path) ? shm : FileManager.default.temporaryDirectory
    return base.appendingPathComponent("fulcrum-fuzz-\(getpid()).npz")
}()

/// An `.npz` file: the zip structure (through ZIPFoundation), the announced
/// member count, each member's checksum and `.npy` contents; every tensor
/// of an accepted archive must read.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNPZ(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let url = inputURL
    do {
        try inputData(start, count).write(to: url)
    } catch {
        fatalError("cannot write the fuzz input to \(url.path): \(error)")
    }
    defer { try? FileManager.default.removeItem(at: url) }
    do {
        let file = try NPZFile(url: url)
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
