import CHDF5

/// A group or dataset inside an open file: what both share (the file, the
/// path, the identifier, attributes). Keeps its file open while it lives.
public class HDF5Object: @unchecked Sendable {
    /// The file the object belongs to.
    public let file: HDF5File
    /// The object's absolute path in the file (`/`, `/model_weights/dense`).
    public let path: String
    let handle: HDF5Handle

    init(file: HDF5File, path: String, handle: HDF5Handle) {
        self.file = file
        self.path = path
        self.handle = handle
    }

    var location: HDF5Location { HDF5Location(file: file.path, object: path) }

    /// The absolute path of `name` opened from `parentPath`; `name` may be
    /// absolute or relative and contain several components.
    static func joined(_ parentPath: String?, _ name: String) -> String {
        if name.hasPrefix("/") { return name }
        let base = parentPath ?? "/"
        return base.hasSuffix("/") ? base + name : base + "/" + name
    }
}
