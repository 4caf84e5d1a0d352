import Foundation
import Testing
import TestSupport
@testable import WeightFiles

/// Damaged copies of real fixtures (bytes flipped, files cut short) are
/// either read or refused with a `WeightFileError` naming the file — the
/// process never crashes. Deterministic: a fixed-seed generator.
@Suite struct MutationTests {
    /// SplitMix64: small, seedable, the same sequence on every machine.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test(arguments: ["npy/f64_fortran.npy", "npy/v3.npy", "npy/positional.npz", "torch_mlp/model_compressed.npz",
                      "torch_mlp/model.safetensors"])
    func damagedCopiesNeverCrash(path: String) throws {
        let directory = try Fixtures.temporaryDirectory("fulcrum-mutate")
        defer { try? FileManager.default.removeItem(at: directory) }
        let original = try Data(contentsOf: Fixtures.url(path))
        var generator = SeededGenerator(state: UInt64(truncatingIfNeeded: original.count) &* 2654435761)
        let url = directory.appendingPathComponent(URL(fileURLWithPath: path).lastPathComponent)
        var refused = 0
        for round in 0..<150 {
            var bytes = original
            if round % 3 == 0 {
                bytes = bytes.prefix(Int.random(in: 0..<bytes.count, using: &generator))
            } else {
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    let index = Int.random(in: 0..<bytes.count, using: &generator)
                    bytes[index] = UInt8.random(in: 0...255, using: &generator)
                }
            }
            try bytes.write(to: url)
            do {
                let file = try WeightFileOpener.open(url)
                _ = try file.readAll().map { $0.statistics() }
            } catch let error as WeightFileError {
                refused += 1
                #expect(error.description.contains(url.path), "\(error)")
            }
        }
        // Every cut-short copy, at least, must have been refused.
        #expect(refused >= 50)
    }
}
