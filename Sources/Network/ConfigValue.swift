import Foundation

/// Readers for loosely typed values from JSON (Foundation) and YAML (Yams):
/// numbers may arrive as Int, Double, NSNumber or a numeric string, maps
/// with String or AnyHashable keys.
enum ConfigValue {
    /// A number, or nil.
    static func double(_ value: Any?) -> Double? {
        switch value {
        case let int as Int: return Double(int)
        case let double as Double: return double
        case let number as NSNumber: return number.doubleValue
        case let string as String: return Double(string.trimmingCharacters(in: .whitespaces))
        default: return nil
        }
    }

    /// A whole number, or nil (1.0 counts; 1.5 does not).
    static func int(_ value: Any?) -> Int? {
        if let int = value as? Int { return int }
        guard let double = double(value), double == double.rounded(), abs(double) < 1e15 else { return nil }
        return Int(double)
    }

    /// A Bool, or nil.
    static func bool(_ value: Any?) -> Bool? {
        if let bool = value as? Bool { return bool }
        if let string = value as? String {
            switch string.lowercased() {
            case "true", "yes": return true
            case "false", "no": return false
            default: return nil
            }
        }
        return nil
    }

    /// A string, or nil.
    static func string(_ value: Any?) -> String? {
        value as? String
    }

    /// A list, or nil.
    static func array(_ value: Any?) -> [Any]? {
        value as? [Any]
    }

    /// A map with string keys, or nil.
    static func dictionary(_ value: Any?) -> [String: Any]? {
        if let map = value as? [String: Any] { return map }
        if let map = value as? [AnyHashable: Any] {
            var result: [String: Any] = [:]
            for (key, element) in map {
                guard let key = key.base as? String else { return nil }
                result[key] = element
            }
            return result
        }
        return nil
    }

    /// A list of whole numbers, or nil. Null entries (a Keras batch
    /// dimension) become -1.
    static func intList(_ value: Any?) -> [Int]? {
        guard let list = array(value) else { return nil }
        var result: [Int] = []
        for element in list {
            if element is NSNull { result.append(-1); continue }
            guard let int = int(element) else { return nil }
            result.append(int)
        }
        return result
    }

    /// Two whole numbers from either one (`3` → [3, 3]) or a pair.
    static func pair(_ value: Any?) -> [Int]? {
        if let int = int(value) { return [int, int] }
        if let list = intList(value), list.count == 2 { return list }
        if let list = intList(value), list.count == 1 { return [list[0], list[0]] }
        return nil
    }

    /// True for JSON/YAML null or an absent value.
    static func isNull(_ value: Any?) -> Bool {
        value == nil || value is NSNull
    }
}
