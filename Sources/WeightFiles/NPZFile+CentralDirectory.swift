import Foundation

extension NPZFile {
    /// The number of entries that the end-of-central-directory record of
    /// the zip archive `bytes` announces (from the ZIP64 record when the
    /// classic record says 0xFFFF), or nil when no record is found.
    ///
    /// ZIPFoundation stops listing entries at the first one it cannot read,
    /// without an error; comparing the count it listed with this one is
    /// how a damaged archive is told from a smaller one, so that a rewrite
    /// never drops members silently.
    static func announcedEntryCount(in bytes: Data) -> UInt64? {
        let recordSize = 22
        guard bytes.count >= recordSize else { return nil }
        func uint(_ offset: Int, _ size: Int) -> UInt64 {
            var value: UInt64 = 0
            for k in 0..<size { value |= UInt64(bytes[bytes.startIndex + offset + k]) << (8 * UInt64(k)) }
            return value
        }
        // The record sits at the end, followed by a comment of at most 65535 bytes.
        let latest = bytes.count - recordSize
        for offset in stride(from: latest, through: max(0, latest - 65535), by: -1)
        where uint(offset, 4) == 0x0605_4B50 {
            let count = uint(offset + 10, 2)
            guard count == 0xFFFF else { return count }
            // ZIP64: a 20-byte locator just before the record points at the ZIP64 record.
            let locator = offset - 20
            guard locator >= 0, uint(locator, 4) == 0x0706_4B50 else { return count }
            let zip64 = uint(locator + 8, 8)
            guard bytes.count >= 56, zip64 <= UInt64(bytes.count - 56), uint(Int(zip64), 4) == 0x0606_4B50 else { return count }
            return uint(Int(zip64) + 32, 8)
        }
        return nil
    }
}
