import Foundation
import WeightFiles

/// Everything `fulcrum inspect` says about one weight file, and its two
/// renderings (an aligned text table, and the `--json` document).
struct InspectReport {
    struct Row {
        var name: String
        var shape: [Int]
        var dtype: DType
        var bytes: Int
        var statistics: TensorStatistics
    }

    var file: String
    var format: FileFormat
    var framework: Framework
    var rows: [Row]
    var architecture: ArchitectureSummary?

    /// Reads every tensor of `file` and summarises it.
    init(file: any WeightFile, displayPath: String) throws {
        self.file = displayPath
        self.format = file.format
        self.framework = file.framework
        self.rows = try file.tensorNames.map { name in
            let tensor = try file.read(name)
            return Row(name: name, shape: tensor.shape, dtype: tensor.dtype, bytes: tensor.bytes.count,
                       statistics: tensor.statistics())
        }
        self.architecture = file.architectureJSON.map(ArchitectureSummary.init(json:))
    }

    /// The `--json` document. Keys, in this order:
    /// `file`, `format`, `framework`, `tensors` (each: `name`, `shape`,
    /// `dtype` in NumPy's names, `bytes`, `min`, `max`, `mean`, `std` — over
    /// the finite elements, null when there are none — `nan_count`,
    /// `inf_count`), and `architecture` (null, or `class_name`, `name`,
    /// `layers` [{`name`, `class_name`}] and the raw `json`).
    var json: JSONValue {
        .object([
            ("file", .string(file)),
            ("format", .string(format.rawValue)),
            ("framework", .string(framework.rawValue)),
            ("tensors", .array(rows.map { row in
                .object([
                    ("name", .string(row.name)),
                    ("shape", .array(row.shape.map(JSONValue.int))),
                    ("dtype", .string(row.dtype.numpyName)),
                    ("bytes", .int(row.bytes)),
                    ("min", .number(row.statistics.min)),
                    ("max", .number(row.statistics.max)),
                    ("mean", .number(row.statistics.mean)),
                    ("std", .number(row.statistics.std)),
                    ("nan_count", .int(row.statistics.nanCount)),
                    ("inf_count", .int(row.statistics.infCount)),
                ])
            })),
            ("architecture", architecture?.jsonValue ?? .null),
        ])
    }

    /// The human-readable report: a summary, an aligned table of tensors and
    /// the architecture's layers when the file carries one.
    var text: String {
        let totalBytes = rows.reduce(0) { $0 + $1.bytes }
        var lines = [
            "file:      \(file)",
            "format:    \(format.rawValue)",
            "framework: \(framework.rawValue)",
            "tensors:   \(rows.count) (\(totalBytes) bytes)",
        ]
        if !rows.isEmpty {
            let header = ["name", "dtype", "shape", "bytes", "min", "max", "mean", "std", "nan", "inf"]
            let cells = rows.map { row -> [String] in
                let s = row.statistics
                return [row.name, row.dtype.numpyName, InspectReport.shapeText(row.shape),
                        String(row.bytes), InspectReport.number(s.min), InspectReport.number(s.max),
                        InspectReport.number(s.mean), InspectReport.number(s.std), String(s.nanCount), String(s.infCount)]
            }
            lines.append("")
            lines += InspectReport.table(header: header, rows: cells, rightAligned: Set(3..<10))
        }
        if let architecture {
            lines.append("")
            if architecture.modelClass == nil {
                lines.append("architecture: present, but not a Keras model config (\(architecture.json.utf8.count) bytes of JSON)")
            } else {
                let title = [architecture.modelClass, architecture.modelName.map { "'\($0)'" }].compactMap { $0 }.joined(separator: " ")
                lines.append("architecture: \(title), \(architecture.layers.count) layers")
                lines += InspectReport.table(header: ["layer", "class"],
                                             rows: architecture.layers.map { [$0.name, $0.className] },
                                             rightAligned: []).map { "  " + $0 }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A shape as NumPy prints it: `()`, `(3,)`, `(8, 4)`.
    static func shapeText(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }

    /// A number in at most 7 significant digits, or `-` when absent.
    static func number(_ value: Double?) -> String {
        guard let value else { return "-" }
        return String(format: "%.7g", value)
    }

    /// Columns padded to their widest cell, separated by two spaces.
    static func table(header: [String], rows: [[String]], rightAligned: Set<Int>) -> [String] {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { cells in
            cells.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return rightAligned.contains(column) ? padding + cell : cell + padding
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
    }
}
