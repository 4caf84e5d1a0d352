import CHDF5

/// A group: a folder of links to datasets and further groups.
public final class HDF5Group: HDF5Object, @unchecked Sendable {
    static func open(in file: HDF5File, parentID: hid_t, parentLocation: HDF5Location, name: String) throws -> HDF5Group {
        let path = joined(parentLocation.object, name)
        let location = HDF5Location(file: file.path, object: path)
        return try HDF5Library.call {
            let id = H5Gopen2(parentID, name, fulcrum_H5P_DEFAULT())
            return HDF5Group(file: file, path: path, handle: try HDF5Handle(id, .group, location, "open group"))
        }
    }

    /// The group at `name` (relative to this group, or absolute).
    public func group(_ name: String) throws -> HDF5Group {
        try HDF5Group.open(in: file, parentID: handle.id, parentLocation: location, name: name)
    }

    /// The dataset at `name` (relative to this group, or absolute).
    public func dataset(_ name: String) throws -> HDF5Dataset {
        try HDF5Dataset.open(in: file, parentID: handle.id, parentLocation: location, name: name)
    }

    /// True when `name` (one or more components, relative to this group)
    /// leads to an existing object; dangling soft links count as absent.
    public func contains(_ name: String) throws -> Bool {
        try HDF5Library.call {
            var prefix = ""
            let components = name.split(separator: "/", omittingEmptySubsequences: true)
            for (index, component) in components.enumerated() {
                prefix += prefix.isEmpty ? String(component) : "/" + component
                let exists = try location.check(H5Lexists(handle.id, prefix, fulcrum_H5P_DEFAULT()), "look up \(prefix)")
                guard exists > 0,
                      try location.check(H5Oexists_by_name(handle.id, prefix, fulcrum_H5P_DEFAULT()), "look up \(prefix)") > 0
                else { return false }
                if index < components.count - 1 {
                    var info = H5O_info_t()
                    try location.check(H5Oget_info_by_name2(handle.id, prefix, &info, UInt32(H5O_INFO_BASIC), fulcrum_H5P_DEFAULT()),
                                       "look up \(prefix)")
                    if info.type != H5O_TYPE_GROUP { return false }
                }
            }
            return true
        }
    }

    /// True when the group records the creation order of its links (h5py's
    /// `track_order=True`), so `children(order: .creation)` can honour it.
    public func tracksCreationOrder() throws -> Bool {
        try HDF5Library.call {
            let gcpl = try HDF5Handle(H5Gget_create_plist(handle.id), .propertyList, location, "get creation properties")
            var flags: UInt32 = 0
            try location.check(H5Pget_link_creation_order(gcpl.id, &flags), "get link creation order")
            let needed = UInt32(H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED)
            return flags & needed == needed
        }
    }

    /// The group's links, in creation order when the group tracks it and
    /// `order` is `.creation`, else in name order (what h5ls and h5py show).
    public func children(order: HDF5LinkOrder = .creation) throws -> [HDF5Link] {
        let useCreation = try order == .creation && tracksCreationOrder()
        return try HDF5Library.call {
            final class Collected { var entries: [(name: String, info: H5L_info_t)] = [] }
            let collected = Collected()
            var index: hsize_t = 0
            let status = H5Literate(handle.id, useCreation ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME, H5_ITER_INC, &index, { _, name, info, context in
                guard let name, let info, let context else { return -1 }
                Unmanaged<Collected>.fromOpaque(context).takeUnretainedValue()
                    .entries.append((String(cString: name), info.pointee))
                return 0
            }, Unmanaged.passUnretained(collected).toOpaque())
            try location.check(status, "list members")
            return try collected.entries.map { try link(named: $0.name, info: $0.info) }
        }
    }

    /// The link `name` (one or more components, relative to this group),
    /// or nil when there is none. A dangling soft link is reported as a
    /// soft link.
    public func link(_ name: String) throws -> HDF5Link? {
        let components = name.split(separator: "/", omittingEmptySubsequences: true)
        guard let last = components.last else { return nil }
        let parentPath = components.dropLast().joined(separator: "/")
        if !parentPath.isEmpty {
            guard try contains(parentPath) else { return nil }
            guard let parentLink = try link(parentPath), parentLink.kind == .group else { return nil }
            return try group(parentPath).link(String(last))
        }
        return try HDF5Library.call {
            let exists = try location.check(H5Lexists(handle.id, name, fulcrum_H5P_DEFAULT()), "look up \(name)")
            guard exists > 0 else { return nil }
            var info = H5L_info_t()
            try location.child(name).check(H5Lget_info(handle.id, name, &info, fulcrum_H5P_DEFAULT()), "get link info")
            return try link(named: name, info: info)
        }
    }

    /// Describes one link found by `children`. Call with the lock held.
    private func link(named name: String, info: H5L_info_t) throws -> HDF5Link {
        let childLocation = location.child(name)
        switch info.type {
        case H5L_TYPE_HARD:
            var objectInfo = H5O_info_t()
            try childLocation.check(H5Oget_info_by_name2(handle.id, name, &objectInfo, UInt32(H5O_INFO_BASIC), fulcrum_H5P_DEFAULT()), "get object info")
            switch objectInfo.type {
            case H5O_TYPE_GROUP: return HDF5Link(name: name, kind: .group)
            case H5O_TYPE_DATASET: return HDF5Link(name: name, kind: .dataset)
            case H5O_TYPE_NAMED_DATATYPE: return HDF5Link(name: name, kind: .namedDatatype)
            default: return HDF5Link(name: name, kind: .other)
            }
        case H5L_TYPE_SOFT:
            var buffer = [CChar](repeating: 0, count: max(Int(info.u.val_size), 1) + 1)
            try childLocation.check(H5Lget_val(handle.id, name, &buffer, buffer.count, fulcrum_H5P_DEFAULT()), "read soft link")
            return HDF5Link(name: name, kind: .softLink(target: String(nulTerminated: buffer)))
        case H5L_TYPE_EXTERNAL:
            var buffer = [UInt8](repeating: 0, count: max(Int(info.u.val_size), 1))
            try childLocation.check(H5Lget_val(handle.id, name, &buffer, buffer.count, fulcrum_H5P_DEFAULT()), "read external link")
            var filePointer: UnsafePointer<CChar>? = nil
            var objectPointer: UnsafePointer<CChar>? = nil
            var flags: UInt32 = 0
            try childLocation.check(H5Lunpack_elink_val(&buffer, buffer.count, &flags, &filePointer, &objectPointer), "unpack external link")
            return HDF5Link(name: name, kind: .externalLink(file: filePointer.map { String(cString: $0) } ?? "",
                                                          object: objectPointer.map { String(cString: $0) } ?? ""))
        default:
            return HDF5Link(name: name, kind: .other)
        }
    }

    /// Creates a group `name` below this one, creating missing intermediate
    /// groups too; existing groups on the way are reused. New groups record
    /// no modification times; with `tracksCreationOrder` they record the
    /// order their links are made in (h5py's `track_order=True`).
    @discardableResult
    public func createGroup(_ name: String, tracksCreationOrder: Bool = false) throws -> HDF5Group {
        try HDF5Library.call {
            var current: HDF5Group = self
            let components = name.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
            guard !components.isEmpty else { throw location.error("create group", "empty group name '\(name)'") }
            for component in components {
                if try current.contains(component) {
                    current = try current.group(component)
                    continue
                }
                let childLocation = current.location.child(component)
                let gcpl = try HDF5Handle(H5Pcreate(fulcrum_H5P_GROUP_CREATE()), .propertyList, childLocation, "create group property list")
                try childLocation.check(H5Pset_obj_track_times(gcpl.id, false), "switch off time tracking")
                if tracksCreationOrder {
                    try childLocation.check(H5Pset_link_creation_order(gcpl.id, UInt32(H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED)),
                                            "track creation order")
                }
                let id = H5Gcreate2(current.handle.id, component, fulcrum_H5P_DEFAULT(), gcpl.id, fulcrum_H5P_DEFAULT())
                current = HDF5Group(file: file, path: childLocation.object ?? component,
                                    handle: try HDF5Handle(id, .group, childLocation, "create group"))
            }
            return current
        }
    }
}

/// How `HDF5Group.children` orders links.
public enum HDF5LinkOrder: Sendable {
    /// Creation order when the group tracks it, else name order.
    case creation
    /// Name order (byte-wise), as h5ls shows.
    case name
}

/// One member of a group.
public struct HDF5Link: Sendable, Equatable {
    /// What the link leads to.
    public enum Kind: Sendable, Equatable {
        case group, dataset, namedDatatype, other
        /// A soft link and the path it names (which may not exist).
        case softLink(target: String)
        /// A link into another file.
        case externalLink(file: String, object: String)
    }
    /// The link's name inside its group.
    public var name: String
    /// What it leads to.
    public var kind: Kind

    /// A link description.
    public init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }
}
