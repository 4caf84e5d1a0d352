import Foundation
import Testing
@testable import WeightFiles

@Suite struct SystemErrorTextTests {
    @Test func foundationFileErrorsBecomeTheSystemsWords() {
        #expect(SystemErrorText.describe(CocoaError(.fileWriteOutOfSpace)) == "No space left on device")
        #expect(SystemErrorText.describe(CocoaError(.fileWriteVolumeReadOnly)) == "Read-only file system")
        #expect(SystemErrorText.describe(CocoaError(.fileWriteNoPermission)) == "Permission denied")
    }

    @Test func anUnderlyingPOSIXErrorWins() {
        let underlying = NSError(domain: NSPOSIXErrorDomain, code: Int(ENOSPC))
        let error = NSError(domain: NSCocoaErrorDomain, code: CocoaError.fileWriteUnknown.rawValue,
                            userInfo: [NSUnderlyingErrorKey: underlying])
        #expect(SystemErrorText.describe(error) == "No space left on device")
    }

    @Test func otherErrorsKeepTheirDescription() {
        struct Odd: LocalizedError { var errorDescription: String? { "odd failure" } }
        #expect(SystemErrorText.describe(Odd()) == "odd failure")
    }
}
