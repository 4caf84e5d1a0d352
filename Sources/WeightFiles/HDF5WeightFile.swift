import Foundation
import HDF5

/// A weight file in HDF5, in whichever layout it follows:
///
/// - `kerasH5`: a Keras legacy full model (`model.save("m.h5")`): root
///   attributes `model_config`, `keras_version`, `backend`; group
///   `model_weights` whose `layer_names` lists the layers, each layer group's
///   `weight_names` listing its weights in load order (Keras 3 paths such as
///   `model_weights/dense/sequential/dense/kernel`, Keras 2 ones such as
///   `model_weights/dense/dense/kernel:0`); optimizer state under
///   `optimizer_weights`.
/// - `kerasWeightsH5`: Keras `save_weights` `.h5`, the same at the root.
/// - `keras3WeightsH5`: Keras 3 `.weights.h5`: `layers/<key>/vars/<i>`, nested
///   containers as `layers/<key>/layers/<key>/vars/<i>`, optimizer state
///   under `optimizer/vars`.
/// - `hdf5StateDict`: any other file: a flat state dict, one dataset per
///   tensor (`fc1.weight`), at the root or in nested groups.
///
/// Tensor names are dataset paths without the leading `/`, as the file
/// spells them. Order: Keras legacy layouts list `layer_names` ×
/// `weight_names`, then `optimizer_weights`' `weight_names`, then any other
/// dataset; the other layouts list datasets depth-first, in link creation
/// order where a group tracks it and in ascending name order otherwise.
///
/// Lists stored as `name0`, `name1`, … and both fixed- and
/// variable-length strings are understood. Datasets that hold no numbers
/// (strings, compounds) are not tensors; `skippedDatasets` lists them.
///
/// The file stays open read-only while the value lives; `write(replacing:to:)`
/// works on a copy (see there).
public struct HDF5WeightFile: WeightFile {
    /// The path the file was opened from.
    public let url: URL
    /// The layout found (see the type's documentation).
    public let format: FileFormat
    /// `keras` for the Keras layouts; for state dicts, what the tensor
    /// names suggest (`pytorch` for `fc1.weight`-style names).
    public let framework: Framework
    /// Dataset paths without the leading `/`, in the order described above.
    public let tensorNames: [String]
    /// The `model_config` root attribute (legacy full model), else nil.
    public let architectureJSON: String?
    /// Keras layers with weights, in load order: for legacy layouts the
    /// `layer_names` entries (a nested model is one layer holding all its
    /// weights); for `.weights.h5` every `vars` group's owner, named by the
    /// group's `name` attribute when Keras wrote one, else by its key.
    /// Empty for state dicts.
    public let layerWeights: [LayerWeights]
    /// Everything under `optimizer_weights/` (legacy) or `optimizer/`
    /// (Keras 3).
    public let optimizerTensorNames: [String]
    /// The `keras_version` root attribute, if any.
    public let kerasVersion: String?
    /// The `backend` root attribute, if any.
    public let backend: String?
    /// Datasets that are not tensors, and why.
    public let skippedDatasets: [SkippedDataset]

    /// A dataset that holds no numbers fulcrum reads.
    public struct SkippedDataset: Sendable, Equatable {
        /// The dataset's path without the leading `/`.
        public var name: String
        /// Its stored type, in words.
        public var reason: String
    }

    /// What is known of one tensor's dataset without reading it.
    struct Entry: Sendable {
        var info: TensorInfo
        var layout: HDF5Layout
        var filters: [HDF5Filter]
    }

    let entries: [String: Entry]
    /// For Keras 3 `.weights.h5`: every `vars` group under `layers/`.
    let keras3Owners: [Keras3Owner]
    let file: HDF5File
    /// How errors name the file: its path, or `archive.keras (model.weights.h5)`.
    let displayPath: String

    /// Opens the HDF5 file at `url` read-only and works out its layout.
    /// Throws `WeightFileError` naming the path when the file is missing,
    /// is not HDF5, is damaged, or its Keras attributes contradict its
    /// contents.
    public static func open(_ url: URL) throws -> HDF5WeightFile {
        try open(url, displayPath: url.path)
    }

    static func open(_ url: URL, displayPath: String) throws -> HDF5WeightFile {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw WeightFileError.io(path: displayPath, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw WeightFileError.io(path: displayPath, reason: "is a directory, not a weight file") }
        let file: HDF5File
        do {
            file = try HDF5File.open(url.path)
        } catch let error as HDF5Error {
            if (try? HDF5File.isHDF5(url.path)) == false {
                throw WeightFileError.malformed(path: displayPath, reason: "not an HDF5 file (no HDF5 signature found)")
            }
            throw WeightFileError.malformed(path: displayPath, reason: "cannot open as an HDF5 file: \(error.message)")
        }
        return try mapHDF5Errors(displayPath) {
            try HDF5WeightFile(url: url, file: file, scan: HDF5LayoutScan(file: file, displayPath: displayPath), displayPath: displayPath)
        }
    }

    private init(url: URL, file: HDF5File, scan: HDF5LayoutScan, displayPath: String) {
        self.url = url
        self.file = file
        self.displayPath = displayPath
        format = scan.format
        framework = scan.framework
        tensorNames = scan.tensorNames
        architectureJSON = scan.architectureJSON
        layerWeights = scan.layerWeights
        optimizerTensorNames = scan.optimizerTensorNames
        kerasVersion = scan.kerasVersion
        backend = scan.backend
        skippedDatasets = scan.skipped
        entries = scan.entries
        keras3Owners = scan.keras3Owners
    }

    func entry(_ name: String) throws -> Entry {
        guard let entry = entries[name] else { throw WeightFileError.noSuchTensor(path: displayPath, name: name) }
        return entry
    }

    /// Shape and dtype of a tensor, known since the file was opened.
    public func info(_ name: String) throws -> TensorInfo { try entry(name).info }

    /// Reads one dataset whole, converted to C order and native byte
    /// order. A dataset compressed with a filter this libhdf5 lacks (h5py's
    /// LZF) throws an error naming the file, the dataset and the filter.
    public func read(_ name: String) throws -> Tensor {
        let entry = try entry(name)
        let bytes: [UInt8]
        do {
            bytes = try file.dataset(name).read()
        } catch let error as HDF5Error {
            if let filter = entry.filters.first(where: { !$0.canDecode }) {
                throw WeightFileError.unsupportedFormat(path: displayPath, reason:
                    "cannot read dataset '\(name)': it is compressed with filter \(filter.summary), " +
                    "which libhdf5 \(HDF5Library.version) cannot decode; store it with gzip or without compression")
            }
            throw WeightFileError.hdf5(error, path: displayPath)
        }
        return try Tensor(name: name, dtype: entry.info.dtype, shape: entry.info.shape, bytes: bytes)
    }
}

extension WeightFileError {
    /// An HDF5 failure as a format-layer error naming `path` (the file as
    /// the user knows it), the object and HDF5's message.
    static func hdf5(_ error: HDF5Error, path: String) -> WeightFileError {
        let object = error.object.map { "\($0): " } ?? ""
        return .malformed(path: path, reason: "\(object)\(error.operation) failed: \(error.message)")
    }
}

/// Runs `body`, turning `HDF5Error`s into `WeightFileError`s naming `path`.
func mapHDF5Errors<T>(_ path: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as HDF5Error {
        throw WeightFileError.hdf5(error, path: path)
    }
}

extension DType {
    /// The DType of an HDF5 element type (they share NumPy's names).
    init(_ element: HDF5ElementType) {
        switch element {
        case .float16: self = .float16
        case .bfloat16: self = .bfloat16
        case .float32: self = .float32
        case .float64: self = .float64
        case .int8: self = .int8
        case .int16: self = .int16
        case .int32: self = .int32
        case .int64: self = .int64
        case .uint8: self = .uint8
        case .uint16: self = .uint16
        case .uint32: self = .uint32
        case .uint64: self = .uint64
        case .bool: self = .bool
        }
    }

    /// The HDF5 element type storing this DType.
    var hdf5ElementType: HDF5ElementType {
        switch self {
        case .float16: return .float16
        case .bfloat16: return .bfloat16
        case .float32: return .float32
        case .float64: return .float64
        case .int8: return .int8
        case .int16: return .int16
        case .int32: return .int32
        case .int64: return .int64
        case .uint8: return .uint8
        case .uint16: return .uint16
        case .uint32: return .uint32
        case .uint64: return .uint64
        case .bool: return .bool
        }
    }
}
