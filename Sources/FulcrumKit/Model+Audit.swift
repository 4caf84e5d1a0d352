import Foundation

extension Model {
    /// The health metrics of this model (see docs/audit.md) checked against
    /// `config`'s thresholds, as `fulcrum audit` reports one file. NaN and
    /// Inf are counted over every floating-point tensor of the file,
    /// optimizer state included.
    /// - Returns: a `FileAudit` with status `.pass` or `.fail` (and the
    ///   crossed thresholds in `failures`), named by `displayPath`.
    /// - Throws: `AuditError` when a tensor the network names does not fit,
    ///   or a tensor cannot be read.
    public func audit(config: AuditConfig = AuditConfig()) throws -> FileAudit {
        var all = try tensors()
        for name in file.tensorNames where all[name] == nil { all[name] = try file.read(name) }
        let metrics = try Auditor.metrics(of: AuditSubject(network: network, structure: structure, tensors: all),
                                          options: config.metricOptions)
        return FileAudit(path: displayPath, metrics: metrics, failures: config.failures(of: metrics))
    }
}
