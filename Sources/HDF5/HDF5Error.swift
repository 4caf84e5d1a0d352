import CHDF5

#if canImport(Glibc)
import Glibc
#endif

/// A failed libhdf5 call, or an HDF5 object this layer cannot handle.
/// `message` is HDF5's own account, taken from its error stack as
/// "top message (root cause)" (or this layer's reason when HDF5 itself did
/// not fail); `path` is the file and `object` the group, dataset or
/// attribute involved, when known.
public struct HDF5Error: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file's path as the caller gave it.
    public var path: String
    /// The object inside the file (`/model_weights/dense`, `@layer_names`), if any.
    public var object: String?
    /// What was being done ("open", "read", "write", "create dataset", …).
    public var operation: String
    /// HDF5's message, or this layer's reason.
    public var message: String

    /// Creates an error from its parts.
    public init(path: String, object: String?, operation: String, message: String) {
        self.path = path
        self.object = object
        self.operation = operation
        self.message = message
    }

    /// "path: object: operation failed: message".
    public var description: String {
        let location = object.map { "\(path): \($0)" } ?? path
        return "\(location): \(operation) failed: \(message)"
    }

    /// Captures HDF5's current error stack for a failed `operation`, then
    /// clears it.
    static func capture(path: String, object: String?, operation: String) -> HDF5Error {
        HDF5Error(path: path, object: object, operation: operation, message: HDF5Library.currentErrorMessage())
    }
}

/// Process-wide libhdf5 state. libhdf5's serial build is not thread-safe:
/// every call into it goes through `HDF5Library.lock`.
public enum HDF5Library {
    /// Serialises all libhdf5 calls of the process.
    public static let lock = RecursiveLockBox()

    /// Runs `body` holding `lock`, with HDF5's automatic error printing off
    /// for the calling thread (a thread-safe libhdf5 keeps one error stack,
    /// and one printing setting, per thread); our errors carry the stack
    /// instead. Every call into libhdf5 goes through here.
    static func call<T>(_ body: () throws -> T) rethrows -> T {
        try lock.withLock {
            _ = H5Eset_auto2(fulcrum_H5E_DEFAULT(), nil, nil)
            return try body()
        }
    }

    /// The version of the linked libhdf5, e.g. "1.10.8".
    public static var version: String {
        call {
            var major: UInt32 = 0, minor: UInt32 = 0, release: UInt32 = 0
            _ = H5get_libversion(&major, &minor, &release)
            return "\(major).\(minor).\(release)"
        }
    }

    /// The current error stack as "top message (root cause)", cleared.
    static func currentErrorMessage() -> String {
        final class Messages { var list: [String] = [] }
        let messages = Messages()
        let stack = H5Eget_current_stack()
        defer { if stack >= 0 { H5Eclose_stack(stack) } }
        guard stack >= 0 else { return "unknown HDF5 error" }
        _ = H5Ewalk2(stack, H5E_WALK_DOWNWARD, { _, errorPointer, context in
            guard let errorPointer, let context else { return 0 }
            let box = Unmanaged<Messages>.fromOpaque(context).takeUnretainedValue()
            if let description = errorPointer.pointee.desc {
                box.list.append(String(cString: description))
            }
            return 0
        }, Unmanaged.passUnretained(messages).toOpaque())
        guard let top = messages.list.first else { return "unknown HDF5 error" }
        if messages.list.count > 1, let root = messages.list.last, root != top { return "\(top) (\(root))" }
        return top
    }
}

/// Where an HDF5 object lives, for error messages: the file's path and the
/// object's path inside it.
struct HDF5Location: Sendable {
    var file: String
    var object: String?

    /// An error for a failed libhdf5 call, with HDF5's message.
    func failure(_ operation: String) -> HDF5Error {
        HDF5Error.capture(path: file, object: object, operation: operation)
    }

    /// An error this layer raises itself (HDF5 did not fail).
    func error(_ operation: String, _ message: String) -> HDF5Error {
        HDF5Error(path: file, object: object, operation: operation, message: message)
    }

    /// Returns `value`, or throws HDF5's error when it is negative (libhdf5's
    /// failure convention for hid_t, herr_t, htri_t and ssize_t results).
    @discardableResult
    func check<T: BinaryInteger>(_ value: T, _ operation: String) throws -> T {
        if value < 0 { throw failure(operation) }
        return value
    }

    /// The location of a member of this object.
    func child(_ name: String) -> HDF5Location {
        let base = object ?? "/"
        return HDF5Location(file: file, object: base.hasSuffix("/") ? base + name : base + "/" + name)
    }

    /// The location of an attribute of this object, spelled `object@name`.
    func attribute(_ name: String) -> HDF5Location {
        HDF5Location(file: file, object: "\(object ?? "/")@\(name)")
    }
}

/// A recursive lock usable from Swift 6 strict concurrency.
public final class RecursiveLockBox: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    init() {
        mutex = .allocate(capacity: 1)
        var attributes = pthread_mutexattr_t()
        pthread_mutexattr_init(&attributes)
        pthread_mutexattr_settype(&attributes, Int32(PTHREAD_MUTEX_RECURSIVE))
        pthread_mutex_init(mutex, &attributes)
        pthread_mutexattr_destroy(&attributes)
    }
    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }
    /// Runs `body` holding the lock.
    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}

extension String {
    /// The text of a NUL-terminated C buffer (up to its first NUL), as UTF-8.
    init(nulTerminated buffer: [CChar]) {
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        self.init(decoding: bytes, as: UTF8.self)
    }
}
