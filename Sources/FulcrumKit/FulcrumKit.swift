// FulcrumKit: fulcrum as a library, for other Swift packages.
//
// `import FulcrumKit` brings in the facade below (`Model`, `Rebalancer`,
// `RescaleResult`, the functions `balance(file:...)`, `align(file:...)`,
// `diff(_:_:...)` and `audit(file:...)`) and every module it is built on:
// WeightFiles (tensors and file formats), Network (the graph and its
// rescaling symmetry), Rescaling (objectives and solvers), Evaluation (the
// forward pass and the equivalence proof) and Audit (health metrics and
// reports).

@_exported import Audit
@_exported import Evaluation
@_exported import Network
@_exported import Rescaling
@_exported import WeightFiles

import Foundation

/// `Rescaling.AlignmentOptions`, named here so that `AlignmentOptions`
/// means it in a file that imports both Foundation (which has an
/// `AlignmentOptions` of its own, for rectangles) and FulcrumKit.
public typealias AlignmentOptions = Rescaling.AlignmentOptions
