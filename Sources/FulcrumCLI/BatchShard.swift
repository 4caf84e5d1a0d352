import ArgumentParser
import Foundation

/// `--shard i/n`: this process handles part i of n of the sorted file list,
/// so that a Slurm array or a Kubernetes indexed Job spreads the files over
/// machines with no coordination. 0 ≤ i < n.
///
/// Partition: file k of the sorted list (counting from 0) belongs to shard
/// k mod n. Every file is in exactly one shard, the same one on every
/// machine that sees the same list, and shard sizes differ by at most one.
struct BatchShard: Sendable, Equatable, ExpressibleByArgument, CustomStringConvertible {
var index: Int
var count: Int

init(index: Int, count: Int) { self.index = index; self.count = count }

    /// Parses "i/n" (two decimal integers). The range is checked by
    /// `validate()`, so the message can say what is wrong.
init?(argument: String) {
        let parts = argument.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2,
              let index = Int(parts[0].trimmingCharacters(in: .whitespaces)),
              let count = Int(parts[1].trimmingCharacters(in: .whitespaces)) else { return nil }
        self.init(index: index, count: count)
    }

var description: String { "\(index)/\(count)" }

static var defaultCompletionKind: CompletionKind { .default }

    /// Throws a usage error unless n ≥ 1 and 0 ≤ i < n.
func validate() throws {
        guard count >= 1 else {
            throw ValidationError("--shard \(self): the shard count n must be at least 1")
        }
        guard index >= 0, index < count else {
            throw ValidationError("--shard \(self): the shard index must be in 0...\(count - 1) (shards count from 0)")
        }
    }

    /// The elements of `items` (already sorted) that belong to this shard,
    /// in their order.
func select<Element>(_ items: [Element]) -> [Element] {
        items.enumerated().filter { $0.offset % count == index }.map(\.element)
    }
}
