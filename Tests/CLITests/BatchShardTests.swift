import ArgumentParser
@testable import FulcrumCLI
import Testing

@Suite struct BatchShardTests {
    @Test(arguments: ["0/1", "2/5", " 3 / 4 "])
    func parsesIndexAndCount(text: String) throws {
        let shard = try #require(BatchShard(argument: text))
        let parts = text.split(separator: "/").map { Int($0.trimmingCharacters(in: .whitespaces))! }
        #expect(shard == BatchShard(index: parts[0], count: parts[1]))
        try shard.validate()
    }

    @Test(arguments: ["", "3", "1/2/3", "a/b", "1/"])
    func rejectsMalformedText(text: String) {
        #expect(BatchShard(argument: text) == nil)
    }

    @Test(arguments: [(2, 2), (5, 3), (-1, 4), (0, 0)])
    func rejectsOutOfRangeWithAUsageError(index: Int, count: Int) {
        #expect(throws: ValidationError.self) { try BatchShard(index: index, count: count).validate() }
    }

    @Test(arguments: [1, 2, 3, 7, 50])
    func shardsPartitionTheListDeterministically(count: Int) {
        let items = (0..<23).map { "file\($0)" }
        let shards = (0..<count).map { BatchShard(index: $0, count: count).select(items) }
        // Every item in exactly one shard.
        #expect(shards.flatMap { $0 }.sorted() == items.sorted())
        // Order kept within a shard, sizes within one of each other.
        for shard in shards { #expect(shard == items.filter { shard.contains($0) }) }
        let sizes = shards.map(\.count)
        #expect((sizes.max() ?? 0) - (sizes.min() ?? 0) <= 1)
        // Same answer every time.
        #expect(shards == (0..<count).map { BatchShard(index: $0, count: count).select(items) })
    }
}

import Foundation
