extension HDF5Object {
    /// Keras's limit on one attribute's data (`HDF5_OBJECT_HEADER_LIMIT`):
    /// longer lists are split into `name0`, `name1`, ….
    public static let attributeChunkLimit = 64512

    /// The string list stored as attribute `name`, or, when that is absent,
    /// split over `name0`, `name1`, … (joined in order), as Keras writes
    /// long lists. Nil when neither form exists. An empty numeric array
    /// counts as an empty list. Also returns how the strings were stored.
    public func stringList(_ name: String) throws -> (strings: [String], storage: HDF5StringStorage?)? {
        if try hasAttribute(name) {
            let value = try attribute(name)
            guard let strings = value.strings else {
                throw location.attribute(name).error("read string list", "attribute holds numbers, not strings")
            }
            return (strings, value.stringStorage)
        }
        var strings: [String] = []
        var storage: HDF5StringStorage?
        var index = 0
        while try hasAttribute("\(name)\(index)") {
            let value = try attribute("\(name)\(index)")
            guard let part = value.strings else {
                throw location.attribute("\(name)\(index)").error("read string list", "attribute holds numbers, not strings")
            }
            strings += part
            storage = storage ?? value.stringStorage
            index += 1
        }
        return index == 0 ? nil : (strings, storage)
    }

    /// Writes `strings` as attribute `name` the way Keras does: one
    /// attribute when the list's data (count × longest string) fits in
    /// `attributeChunkLimit` bytes, else the fewest near-equal parts
    /// (`numpy.array_split`) `name0`, `name1`, … that each fit. Removes any
    /// earlier `name` or `name0`, `name1`, … first. Throws when one string
    /// alone exceeds the limit.
    public func setStringList(_ name: String, _ strings: [String], storage: HDF5StringStorage) throws {
        let itemSize = max(strings.map { $0.utf8.count }.max() ?? 0, 1)
        guard itemSize <= Self.attributeChunkLimit else {
            throw location.attribute(name).error("write string list",
                "a string of \(itemSize) bytes exceeds the attribute limit of \(Self.attributeChunkLimit)")
        }
        try removeAttribute(name)
        var index = 0
        while try hasAttribute("\(name)\(index)") {
            try removeAttribute("\(name)\(index)")
            index += 1
        }
        let parts = Self.splitForAttributes(strings, itemSize: itemSize)
        if parts.count == 1 {
            try setAttribute(name, .stringList(strings, storage: storage))
        } else {
            for (index, part) in parts.enumerated() {
                try setAttribute("\(name)\(index)", .stringList(part, storage: storage))
            }
        }
    }

    /// `numpy.array_split(strings, n)` for the smallest n whose parts each
    /// hold at most `attributeChunkLimit` bytes at `itemSize` per string.
    static func splitForAttributes(_ strings: [String], itemSize: Int) -> [[String]] {
        var parts = 1
        while true {
            let largest = (strings.count + parts - 1) / parts
            if largest * itemSize <= attributeChunkLimit || parts >= strings.count { break }
            parts += 1
        }
        let base = strings.count / parts, extra = strings.count % parts
        var result: [[String]] = []
        var start = 0
        for part in 0..<parts {
            let size = base + (part < extra ? 1 : 0)
            result.append(Array(strings[start ..< start + size]))
            start += size
        }
        return result
    }
}
