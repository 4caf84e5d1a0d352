import Foundation
import Network
import Testing

/// Fuzzer find (FuzzSpec, CI run): an explicit tag that contradicts its
/// scalar trapped inside Yams's default constructor. Specs now load through
/// SafeYAML, which ignores tags and never traps.
@Suite struct SafeYAMLTests {
    @Test func contradictoryTagsAreValuesOrErrorsNeverATrap() throws {
        let crash = "{layout: torch, !!intlayers: [{op: linear, weight: 0.weight, name: 7}, {op: tanh}], outputs: [7]}\n"
        _ = try? SafeYAML.load(crash)
        let tagged = try #require(try SafeYAML.load("a: !!int layers\nb: !!float x\n") as? [String: Any])
        #expect(tagged["a"] as? String == "layers")
        #expect(tagged["b"] as? String == "x")
    }

    @Test func plainScalarsResolveLikeYAMLAndQuotedOnesStayStrings() throws {
        let value = try #require(try SafeYAML.load("i: 3\nd: 0.5\nb: true\nn: ~\ns: relu\nq: '3'\nl: [1, two]\n") as? [String: Any])
        #expect(value["i"] as? Int == 3)
        #expect(value["d"] as? Double == 0.5)
        #expect(value["b"] as? Bool == true)
        #expect(value["n"] is NSNull)
        #expect(value["s"] as? String == "relu")
        #expect(value["q"] as? String == "3")
        #expect((value["l"] as? [Any])?.count == 2)
    }
}
