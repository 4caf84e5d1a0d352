import Testing
@testable import WeightFiles

@Suite struct TensorTests {
    @Test(arguments: [DType.float16, .bfloat16, .float32, .float64])
    func valuesRoundTripExactlyRepresentableNumbers(dtype: DType) throws {
        let values: [Double] = [0, 1, -2, 0.5, 3.25, -1024, 0.0078125]
        let tensor = try Tensor(name: "t", dtype: dtype, shape: [7], values: values)
        #expect(tensor.doubles() == values)
        #expect(tensor.bytes.count == 7 * dtype.byteCount)
    }

    @Test func bfloat16RoundsToNearestEven() throws {
        // 1 + 2^-8 lies exactly between two bf16 neighbours (1 and 1 + 2^-7):
        // ties go to the even mantissa, 1.
        let tie = try Tensor(name: "t", dtype: .bfloat16, shape: [2], values: [1 + 0x1p-8, 1 + 3 * 0x1p-8])
        #expect(tie.doubles() == [1, 1 + 0x1p-6])
    }

    @Test func mismatchedByteCountIsRejectedWithTheTensorName() {
        #expect(throws: WeightFileError.invalidTensor(name: "w",
            reason: "shape [2, 3] of float32 needs a different byte count than 20")) {
            _ = try Tensor(name: "w", dtype: .float32, shape: [2, 3], bytes: [UInt8](repeating: 0, count: 20))
        }
    }

    @Test func elementCountDetectsOverflow() {
        #expect(Tensor.elementCount(of: [Int.max, 2]) == nil)
        #expect(Tensor.elementCount(of: [3, -1]) == nil)
        #expect(Tensor.elementCount(of: []) == 1)
    }
}
