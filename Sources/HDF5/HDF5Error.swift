import CHDF5

/// A failed libhdf5 call. `message` is HDF5's own account, taken from its
/// error stack as "top message (root cause)"; `path` is the file and
/// `object` the group, dataset or attribute involved, when known.
public struct HDF5Error: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var object: String?
    public var operation: String
    public var message: String

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

    /// Turns HDF5's automatic printing of errors off (once per process); our
    /// errors carry the stack instead.
    static let silenced: Void = {
        _ = H5Eset_auto2(fulcrum_H5E_DEFAULT(), nil, nil)
    }()

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

/// A recursive lock usable from Swift 6 strict concurrency.
public final class RecursiveLockBox: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    init() {
        var attributes = pthread_mutexattr_t()
        pthread_mutexattr_init(&attributes)
        pthread_mutexattr_settype(&attributes, Int32(PTHREAD_MUTEX_RECURSIVE))
        pthread_mutex_init(&mutex, &attributes)
        pthread_mutexattr_destroy(&attributes)
    }
    deinit { pthread_mutex_destroy(&mutex) }
    /// Runs `body` holding the lock.
    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body()
    }
}

#if canImport(Glibc)
import Glibc
#endif
