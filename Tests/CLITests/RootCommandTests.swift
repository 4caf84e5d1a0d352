import Testing
import TestSupport

@Suite struct RootCommandTests {
    @Test func versionPrintsAndExitsZero() throws {
        let result = try Tool.run(["--version"])
        #expect(result.status == 0)
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
    }

    @Test func unknownOptionIsAUsageErrorWithCode64() throws {
        let result = try Tool.run(["--no-such-option"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("no-such-option"))
    }
}

import Foundation
