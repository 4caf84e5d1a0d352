import CHDF5

#if canImport(Glibc)
import Glibc
#endif

/// An open HDF5 file. Closed when the last reference to it (and to every
/// group or dataset opened from it) goes away, or explicitly by `close()`.
public final class HDF5File: @unchecked Sendable {
    /// How a file is opened.
    public enum Mode: Sendable {
        /// Reading only; the file is never modified.
        case readOnly
        /// Reading and writing existing objects in place.
        case readWrite
    }

    /// The path the file was opened or created at.
    public let path: String
    /// The mode it was opened in (`readWrite` for created files).
    public let mode: Mode
    let handle: HDF5Handle

    private init(path: String, mode: Mode, handle: HDF5Handle) {
        self.path = path
        self.mode = mode
        self.handle = handle
    }

    /// Opens an existing HDF5 file. Throws an `HDF5Error` naming `path` with
    /// HDF5's reason when it is missing, unreadable, not HDF5 or truncated.
    public static func open(_ path: String, mode: Mode = .readOnly) throws -> HDF5File {
        let location = HDF5Location(file: path, object: nil)
        return try HDF5Library.call {
            let flags = mode == .readOnly ? fulcrum_H5F_ACC_RDONLY() : fulcrum_H5F_ACC_RDWR()
            let id = H5Fopen(path, flags, fulcrum_H5P_DEFAULT())
            let handle = try HDF5Handle(id, .file, location, "open")
            closeOnExec(id)
            return HDF5File(path: path, mode: mode, handle: handle)
        }
    }

    /// Creates a new, empty HDF5 file at `path` (replacing one that exists
    /// when `overwrite`, else failing). Modification times are not recorded
    /// in it (`H5Pset_obj_track_times(…, 0)`), so the same content written
    /// the same way gives the same bytes. With `tracksCreationOrder` the
    /// root group records the order links are made in (h5py's
    /// `track_order=True`), so readers list them in that order.
    public static func create(_ path: String, overwrite: Bool = false, tracksCreationOrder: Bool = false) throws -> HDF5File {
        let location = HDF5Location(file: path, object: nil)
        return try HDF5Library.call {
            let fcpl = try HDF5Handle(H5Pcreate(fulcrum_H5P_FILE_CREATE()), .propertyList, location, "create file property list")
            try location.check(H5Pset_obj_track_times(fcpl.id, false), "switch off time tracking")
            if tracksCreationOrder {
                try location.check(H5Pset_link_creation_order(fcpl.id, UInt32(H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED)),
                                   "track creation order")
            }
            let flags = overwrite ? fulcrum_H5F_ACC_TRUNC() : fulcrum_H5F_ACC_EXCL()
            let id = H5Fcreate(path, flags, fcpl.id, fulcrum_H5P_DEFAULT())
            let handle = try HDF5Handle(id, .file, location, "create")
            closeOnExec(id)
            return HDF5File(path: path, mode: .readWrite, handle: handle)
        }
    }

    /// Marks the file descriptor of a file opened through the default (sec2)
    /// driver close-on-exec, so a child process started meanwhile does not
    /// inherit it — and with it HDF5's lock on the file, which would make
    /// the next open fail until the child exits. Best effort: other drivers
    /// are left alone. Call with the lock held.
    private static func closeOnExec(_ id: hid_t) {
        let fapl = H5Fget_access_plist(id)
        guard fapl >= 0 else { return }
        defer { H5Pclose(fapl) }
        guard H5Pget_driver(fapl) == fulcrum_H5FD_SEC2() else { return }
        var handle: UnsafeMutableRawPointer?
        guard H5Fget_vfd_handle(id, fapl, &handle) >= 0, let handle else { return }
        let descriptor = handle.load(as: Int32.self)
        let flags = fcntl(descriptor, F_GETFD)
        if flags >= 0 { _ = fcntl(descriptor, F_SETFD, flags | FD_CLOEXEC) }
    }

    /// True when the file at `path` starts like an HDF5 file (its signature
    /// is found). Throws when the file cannot be read at all.
    public static func isHDF5(_ path: String) throws -> Bool {
        let location = HDF5Location(file: path, object: nil)
        return try HDF5Library.call { try location.check(H5Fis_hdf5(path), "check signature") > 0 }
    }

    /// The root group `/`.
    public func root() throws -> HDF5Group { try group("/") }

    /// The group at an absolute or root-relative `path` (`/model_weights/dense`).
    public func group(_ path: String) throws -> HDF5Group {
        try HDF5Group.open(in: self, parentID: handle.id, parentLocation: location, name: path)
    }

    /// The dataset at an absolute or root-relative `path`.
    public func dataset(_ path: String) throws -> HDF5Dataset {
        try HDF5Dataset.open(in: self, parentID: handle.id, parentLocation: location, name: path)
    }

    /// Writes everything buffered to disk.
    public func flush() throws {
        try HDF5Library.call {
            _ = try location.check(H5Fflush(handle.id, H5F_SCOPE_GLOBAL), "flush")
        }
    }

    /// Closes the file now, reporting a failure to write it out. Objects
    /// still open from it keep the file open until they are released.
    public func close() throws { try handle.close(location) }

    /// How many identifiers (the file itself, groups, datasets, datatypes,
    /// attributes) are open in this file; 1 when only the file is.
    public func openObjectCount() throws -> Int {
        try HDF5Library.call {
            Int(try location.check(H5Fget_obj_count(handle.id, UInt32(H5F_OBJ_FILE | H5F_OBJ_DATASET | H5F_OBJ_GROUP | H5F_OBJ_DATATYPE | H5F_OBJ_ATTR)), "count open objects"))
        }
    }

    var location: HDF5Location { HDF5Location(file: path, object: nil) }
}
