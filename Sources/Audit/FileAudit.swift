/// Whether a file passed.
public enum AuditStatus: String, Sendable, Codable {
    /// Every threshold held.
    case pass
    /// At least one threshold was crossed.
    case fail
    /// The file could not be audited (unreadable, no network, bad tensors).
    case error
}

/// The audit of one file: its metrics and the thresholds they crossed, or
/// the error that stopped it.
public struct FileAudit: Sendable, Equatable {
    /// The path as the user named it or as the directory walk found it.
    public var path: String
    public var status: AuditStatus
    /// Nil when `status == .error`.
    public var metrics: FileMetrics?
    public var failures: [ThresholdFailure]
    /// What went wrong, when `status == .error`.
    public var error: String?

    /// A file that was audited: it passes when `failures` is empty.
    public init(path: String, metrics: FileMetrics, failures: [ThresholdFailure]) {
        self.path = path
        self.status = failures.isEmpty ? .pass : .fail
        self.metrics = metrics
        self.failures = failures
        self.error = nil
    }

    /// A file that could not be audited.
    public init(path: String, error: String) {
        self.path = path
        self.status = .error
        self.metrics = nil
        self.failures = []
        self.error = error
    }
}

/// The audits of a batch of files, in the batch's (sorted) order, and the
/// shard of the full list they cover.
public struct AuditReport: Sendable, Equatable {
    public var files: [FileAudit]
    /// The shard (index, count) when the list was split with `--shard`.
    public var shard: (index: Int, count: Int)?
    /// Include every unit's norms, balance and conserved quantity in JSON.
    public var includeUnits: Bool

    public init(files: [FileAudit], shard: (index: Int, count: Int)? = nil, includeUnits: Bool = false) {
        self.files = files; self.shard = shard; self.includeUnits = includeUnits
    }

    public static func == (lhs: AuditReport, rhs: AuditReport) -> Bool {
        lhs.files == rhs.files && lhs.shard?.index == rhs.shard?.index && lhs.shard?.count == rhs.shard?.count
            && lhs.includeUnits == rhs.includeUnits
    }

    public var passed: Int { files.filter { $0.status == .pass }.count }
    public var failed: Int { files.filter { $0.status == .fail }.count }
    public var errors: Int { files.filter { $0.status == .error }.count }

    /// 2 when any file errored, else 1 when any failed, else 0.
    public var exitCode: Int32 { errors > 0 ? 2 : (failed > 0 ? 1 : 0) }
}
