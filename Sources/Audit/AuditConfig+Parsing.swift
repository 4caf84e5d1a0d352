import Foundation
import Network
import Yams

/// A configuration file that cannot be used; the description names the
/// file and the key.
public struct AuditConfigError: Error, CustomStringConvertible, Equatable, Sendable {
    public var path: String
    public var reason: String
    public var description: String { "\(path): \(reason)" }
}

extension AuditConfig {
    /// The keys a configuration may hold at its top level.
    public static let topLevelKeys: [String] =
        LayerLimit.allCases.map(\.rawValue) + [
            "layers", "max_unbalance_ratio", "max_dead_units", "max_path_norm_l1", "max_path_norm_l2",
            "forbid_nan", "forbid_inf", "p", "q", "singular_values",
        ]

    /// Reads a YAML or JSON configuration file (JSON is read as YAML).
    /// Throws `AuditConfigError` naming the file and key for unknown keys,
    /// values of the wrong type and out-of-range exponents.
    public static func load(contentsOf url: URL) throws -> AuditConfig {
        // Read through a file handle so pipes (`--config <(...)`, /dev/stdin) work too.
        let data: Data
        do {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            data = try handle.readToEnd() ?? Data()
        } catch {
            throw AuditConfigError(path: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw AuditConfigError(path: url.path, reason: "not UTF-8 text")
        }
        return try parse(text, path: url.path)
    }

    /// Parses configuration text; `path` names it in errors. Empty text is
    /// the default configuration.
    public static func parse(_ text: String, path: String) throws -> AuditConfig {
        let document: Any?
        do { document = try SafeYAML.load(text) } catch {
            throw AuditConfigError(path: path, reason: "not valid YAML or JSON: \(error)")
        }
        guard let document else { return AuditConfig() }
        guard let mapping = document as? [String: Any] else {
            throw AuditConfigError(path: path, reason: "expected a mapping of threshold keys at the top level")
        }
        let reader = ConfigReader(path: path)
        var config = AuditConfig()
        for key in mapping.keys.sorted() where !topLevelKeys.contains(key) {
            throw AuditConfigError(path: path,
                reason: "unknown key '\(key)' (known keys: \(topLevelKeys.joined(separator: ", ")))")
        }
        for limit in LayerLimit.allCases {
            if let value = try reader.number(mapping, limit.rawValue) { config.layerLimits[limit] = value }
        }
        config.maxUnbalanceRatio = try reader.number(mapping, "max_unbalance_ratio")
        config.maxDeadUnits = try reader.number(mapping, "max_dead_units")
        config.maxPathNormL1 = try reader.number(mapping, "max_path_norm_l1")
        config.maxPathNormL2 = try reader.number(mapping, "max_path_norm_l2")
        config.forbidNaN = try reader.bool(mapping, "forbid_nan") ?? true
        config.forbidInf = try reader.bool(mapping, "forbid_inf") ?? true
        config.metricOptions.singularValues = try reader.bool(mapping, "singular_values") ?? true
        for key in ["p", "q"] {
            guard let value = try reader.number(mapping, key) else { continue }
            guard value.isFinite, value >= 1 else {
                throw AuditConfigError(path: path, reason: "'\(key)' must be a finite number ≥ 1, got \(value)")
            }
            if key == "p" { config.metricOptions.p = value } else { config.metricOptions.q = value }
        }
        if let layers = mapping["layers"], !(layers is NSNull) {
            guard let layers = layers as? [String: Any] else {
                throw AuditConfigError(path: path, reason: "'layers' must map layer names to limits")
            }
            for (name, entry) in layers {
                guard let entry = entry as? [String: Any] else {
                    throw AuditConfigError(path: path, reason: "layers.\(name) must be a mapping of limits")
                }
                var overrides: [LayerLimit: Double?] = [:]
                for (key, _) in entry {
                    guard let limit = LayerLimit(rawValue: key) else {
                        throw AuditConfigError(path: path, reason: "unknown key 'layers.\(name).\(key)' (known keys: "
                            + LayerLimit.allCases.map(\.rawValue).joined(separator: ", ") + ")")
                    }
                    overrides[limit] = .some(try reader.number(entry, key, prefix: "layers.\(name)."))
                }
                config.layerOverrides[name] = overrides
            }
        }
        return config
    }
}

/// Typed access to the values of a parsed configuration.
private struct ConfigReader {
    var path: String

    /// A number (YAML int or float, or a string such as "1e6"), nil when
    /// the key is absent or null.
    func number(_ mapping: [String: Any], _ key: String, prefix: String = "") throws -> Double? {
        guard let value = mapping[key], !(value is NSNull) else { return nil }
        let number: Double?
        switch value {
        case is Bool: number = nil
        case let value as Int: number = Double(value)
        case let value as Double: number = value
        case let value as String: number = Double(value.trimmingCharacters(in: .whitespaces))
        default: number = nil
        }
        guard let number, !number.isNaN else {
            throw AuditConfigError(path: path, reason: "'\(prefix)\(key)' must be a number, got \(value)")
        }
        return number
    }

    /// A boolean, nil when absent or null.
    func bool(_ mapping: [String: Any], _ key: String) throws -> Bool? {
        guard let value = mapping[key], !(value is NSNull) else { return nil }
        guard let flag = value as? Bool else {
            throw AuditConfigError(path: path, reason: "'\(key)' must be true or false, got \(value)")
        }
        return flag
    }
}
