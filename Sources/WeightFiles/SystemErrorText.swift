import Foundation
import Glibc

/// The operating system's own words for a failed file operation.
enum SystemErrorText {
    /// `strerror` of the POSIX error code behind `error` (the error itself
    /// or, for Foundation's file errors, its underlying error), e.g. "No
    /// space left on device"; else the error's localized description.
    /// Foundation's own sentences for the common codes ("There isn't enough
    /// space.") hide which condition the system reported.
    static func describe(_ error: Error) -> String {
        var current: NSError? = error as NSError
        while let nsError = current {
            if nsError.domain == NSPOSIXErrorDomain, nsError.code > 0 {
                return String(cString: strerror(Int32(nsError.code)))
            }
            current = nsError.userInfo[NSUnderlyingErrorKey] as? NSError
        }
        // Foundation on Linux often keeps only its own code.
        if let cocoa = error as? CocoaError, let code = posixCodes[cocoa.code] {
            return String(cString: strerror(code))
        }
        return error.localizedDescription
    }

    /// Foundation file error codes and the POSIX errors they stand for.
    static let posixCodes: [CocoaError.Code: Int32] = [
        .fileWriteOutOfSpace: ENOSPC,
        .fileWriteVolumeReadOnly: EROFS,
        .fileWriteNoPermission: EACCES,
        .fileReadNoPermission: EACCES,
        .fileNoSuchFile: ENOENT,
        .fileReadNoSuchFile: ENOENT,
        .fileWriteFileExists: EEXIST,
    ]
}
