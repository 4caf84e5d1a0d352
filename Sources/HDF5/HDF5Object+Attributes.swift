import CHDF5

#if canImport(Glibc)
import Glibc
#endif

extension HDF5Object {
    /// The names of the object's attributes, in name order.
    public func attributeNames() throws -> [String] {
        try HDF5Library.call {
            final class Collected { var names: [String] = [] }
            let collected = Collected()
            var index: hsize_t = 0
            let status = H5Aiterate2(handle.id, H5_INDEX_NAME, H5_ITER_INC, &index, { _, name, _, context in
                guard let name, let context else { return -1 }
                Unmanaged<Collected>.fromOpaque(context).takeUnretainedValue().names.append(String(cString: name))
                return 0
            }, Unmanaged.passUnretained(collected).toOpaque())
            try location.check(status, "list attributes")
            return collected.names
        }
    }

    /// True when the object has an attribute `name`.
    public func hasAttribute(_ name: String) throws -> Bool {
        try HDF5Library.call {
            try location.attribute(name).check(H5Aexists(handle.id, name), "look up attribute") > 0
        }
    }

    /// Reads attribute `name`: strings (fixed or variable length, scalar or
    /// array) or numbers. Throws when it is missing or of another type.
    public func attribute(_ name: String) throws -> HDF5AttributeValue {
        let location = self.location.attribute(name)
        return try HDF5Library.call {
            let attribute = try HDF5Handle(H5Aopen(handle.id, name, fulcrum_H5P_DEFAULT()), .attribute, location, "open attribute")
            let type = try HDF5Handle(H5Aget_type(attribute.id), .datatype, location, "get attribute type")
            let space = try HDF5Handle(H5Aget_space(attribute.id), .dataspace, location, "get attribute dataspace")
            let extent = try HDF5Extent.of(space.id, location)
            let description = try HDF5TypeDescription.describe(type.id, location)
            if let storage = description.stringStorage {
                let strings = try readStrings(attribute, type.id, space.id, extent.count, storage, location)
                return .strings(strings, shape: extent.shape, storage: storage)
            }
            guard let element = description.elementType else {
                throw location.error("read attribute", description.unsupportedReason ?? "unsupported type")
            }
            var bytes = [UInt8](repeating: 0, count: extent.count * element.byteCount)
            if extent.count > 0 {
                let memoryType = try HDF5TypeDescription.memoryType(matching: type.id, description, location)
                try location.check(bytes.withUnsafeMutableBytes { H5Aread(attribute.id, memoryType.id, $0.baseAddress) }, "read attribute")
            }
            return .numbers(element, shape: extent.shape, bytes: bytes)
        }
    }

    private func readStrings(_ attribute: HDF5Handle, _ fileType: hid_t, _ space: hid_t, _ count: Int,
                             _ storage: HDF5StringStorage, _ location: HDF5Location) throws -> [String] {
        guard count > 0 else { return [] }
        switch storage.length {
        case .variable:
            let memoryType = try HDF5Handle(H5Tcopy(fileType), .datatype, location, "copy string type")
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            try location.check(pointers.withUnsafeMutableBytes { H5Aread(attribute.id, memoryType.id, $0.baseAddress) }, "read attribute")
            let strings = pointers.map { pointer -> String in
                guard let pointer else { return "" }
                return String(decoding: UnsafeRawBufferPointer(start: pointer, count: strlen(pointer)), as: UTF8.self)
            }
            _ = pointers.withUnsafeMutableBytes { H5Dvlen_reclaim(memoryType.id, space, fulcrum_H5P_DEFAULT(), $0.baseAddress) }
            return strings
        case .fixed(let size):
            let memoryType = try HDF5Handle(H5Tcopy(fileType), .datatype, location, "copy string type")
            var bytes = [UInt8](repeating: 0, count: count * size)
            try location.check(bytes.withUnsafeMutableBytes { H5Aread(attribute.id, memoryType.id, $0.baseAddress) }, "read attribute")
            return (0..<count).map { storage.decode(bytes[$0 * size ..< ($0 + 1) * size]) }
        }
    }

    /// Writes attribute `name`, replacing any attribute of that name. Strings
    /// are stored the way the value says (variable or fixed length, charset,
    /// padding), numbers little-endian.
    public func setAttribute(_ name: String, _ value: HDF5AttributeValue) throws {
        let location = self.location.attribute(name)
        try HDF5Library.call {
            guard let count = HDF5Object.elementCount(value.shape) else {
                throw location.error("write attribute", "invalid shape \(value.shape)")
            }
            let type: HDF5Handle
            switch value {
            case let .strings(strings, _, storage):
                guard strings.count == count else {
                    throw location.error("write attribute", "\(strings.count) strings for shape \(value.shape)")
                }
                type = try storage.makeType(for: strings, location)
            case let .numbers(element, _, bytes):
                guard bytes.count == count * element.byteCount else {
                    throw location.error("write attribute", "\(bytes.count) bytes for \(count) \(element.rawValue) values")
                }
                type = try element.fileType(.little, location)
            }
            let space = try HDF5Extent.create(value.shape, location)
            if try location.check(H5Aexists(handle.id, name), "look up attribute") > 0 {
                try location.check(H5Adelete(handle.id, name), "delete old attribute")
            }
            let attribute = try HDF5Handle(H5Acreate2(handle.id, name, type.id, space.id, fulcrum_H5P_DEFAULT(), fulcrum_H5P_DEFAULT()),
                                           .attribute, location, "create attribute")
            switch value {
            case let .strings(strings, _, storage):
                if case .fixed(let declared) = storage.length {
                    let size = storage.fixedSize(for: strings, declared: declared)
                    let bytes = storage.encode(strings, size: size)
                    try location.check(bytes.withUnsafeBytes { H5Awrite(attribute.id, type.id, $0.baseAddress) }, "write attribute")
                } else {
                    let copies = strings.map { strdup($0) }
                    defer { copies.forEach { free($0) } }
                    var pointers = copies.map { UnsafePointer<CChar>($0) }
                    try location.check(pointers.withUnsafeMutableBytes { H5Awrite(attribute.id, type.id, $0.baseAddress) }, "write attribute")
                }
            case let .numbers(_, _, bytes):
                try location.check(bytes.withUnsafeBytes { H5Awrite(attribute.id, type.id, $0.baseAddress) }, "write attribute")
            }
        }
    }

    /// Deletes attribute `name` if present.
    public func removeAttribute(_ name: String) throws {
        let location = self.location.attribute(name)
        try HDF5Library.call {
            if try location.check(H5Aexists(handle.id, name), "look up attribute") > 0 {
                try location.check(H5Adelete(handle.id, name), "delete attribute")
            }
        }
    }

    /// The product of `shape` (1 for a scalar), or nil for a negative
    /// dimension or overflow.
    static func elementCount(_ shape: [Int]) -> Int? {
        var product = 1
        for dimension in shape {
            guard dimension >= 0 else { return nil }
            let (result, overflow) = product.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            product = result
        }
        return product
    }
}
