#!/usr/bin/env python3
"""Saul's multiplicative update for the l2 balance of a ReLU MLP, in NumPy.

The reference the side-by-side benchmark (Benchmarks/side_by_side.sh) times
fulcrum against. It mirrors `MultiplicativeSolver` in
Sources/Rescaling/LpqSolvers.swift for p = q = 2 (Saul, "Weight-balancing
fixes and flows for deep learning", TMLR 2023, Algorithm 1):

- hidden unit g carries a log2-scale z_g (input and output units stay at 0);
  rescaled weights are w_rj * 2^(z_r - z_j), biases b_r * 2^(z_r);
- a row's term is R_r = sum_j w~_rj^2 + b~_r^2; the objective is sum_r R_r
  over all layers;
- I_g = R_g (the row producing g), O_g = sum_r w~_rg^2 (the column of the
  next layer consuming g);
- every sweep evaluates the objective at its start, stops when it fell by
  no more than `tolerance` times the previous value, and otherwise updates
  every hidden unit at once: z_g += kappa * log2(O_g / I_g) with
  kappa = theta (1 - theta) / q = 1/8 (theta = max(1/2, 1 - q/p) = 1/2);
  a unit with I_g = 0 or O_g = 0 is left alone.

What it leaves out, as the benchmark's MLPs never need it: the dtype-safe box
the Swift solver clamps scales to (it never binds for these weights) and the
dead-group analysis (no unit of a random MLP is dead). It solves in the
continuous setting; fulcrum's default exact mode then also rounds to powers
of two and refines over the integers, which this reference does not do.

The squared weights are kept in float32 (as fulcrum's kernel keeps its
values in float32) and every product with them is a BLAS matrix-vector
product; sums of row terms are taken in float64.

Usage: saul_numpy.py IN.safetensors OUT.safetensors [--tolerance 1e-6]
       [--max-sweeps 1000]
Prints one JSON object: seconds for read, solve and write, sweeps, and the
objective before and after.
"""

import argparse
import json
import sys
import time

import numpy as np
from safetensors import safe_open
from safetensors.numpy import save_file


def layer_names(path):
    """The `<p>weight` / `<p>bias` pairs of a chain MLP, in file order."""
    with safe_open(path, framework="numpy") as handle:
        names = list(handle.keys())
        metadata = handle.metadata()
    # safe_open lists names sorted; the chain is in numeric prefix order.
    weights = [n for n in names if n.endswith("weight")]
    weights.sort(key=lambda n: int(n.split(".")[0]))
    return [(w, w[: -len("weight")] + "bias") for w in weights], names, metadata


def read(path):
    pairs, names, metadata = layer_names(path)
    tensors = {}
    with safe_open(path, framework="numpy") as handle:
        for name in names:
            tensors[name] = handle.get_tensor(name)
    return pairs, tensors, metadata


def solve(weights, biases, tolerance, max_sweeps):
    """z per hidden layer after Saul's multiplicative update (p = q = 2)."""
    depth = len(weights)
    kappa = 0.125
    squares = [np.square(w) for w in weights]           # float32, (out, in)
    bias_squares = [np.square(b.astype(np.float64)) for b in biases]
    z = [np.zeros(w.shape[0], dtype=np.float64) for w in weights[:-1]]
    history = []
    sweeps = 0
    converged = False
    while True:
        objective = 0.0
        inflow = []   # I_g per hidden layer
        outflow = []  # O_g per hidden layer
        for layer in range(depth):
            out_factor = np.exp2(2 * z[layer]) if layer < depth - 1 else None
            in_factor = np.exp2(-2 * z[layer - 1]) if layer > 0 else None
            s = squares[layer]
            rows = (s @ in_factor.astype(np.float32)).astype(np.float64) if in_factor is not None \
                else s.sum(axis=1, dtype=np.float64)
            rows += bias_squares[layer]
            if out_factor is not None:
                rows *= out_factor
                inflow.append(rows)
            objective += rows.sum()
            if layer > 0:
                weights_out = out_factor.astype(np.float32) if out_factor is not None else None
                columns = (weights_out @ s).astype(np.float64) if weights_out is not None \
                    else s.sum(axis=0, dtype=np.float64)
                outflow.append(columns * in_factor)
        if history and history[-1] - objective <= tolerance * history[-1]:
            history.append(objective)
            converged = True
            break
        history.append(objective)
        if sweeps >= max_sweeps:
            break
        for g in range(depth - 1):
            i, o = inflow[g], outflow[g]
            ok = (i > 0) & (o > 0)
            step = np.zeros_like(z[g])
            step[ok] = kappa * np.log2(o[ok] / i[ok])
            z[g] = z[g] + step
        sweeps += 1
    return z, sweeps, history, converged


def rescale(weights, biases, z):
    depth = len(weights)
    out = []
    for layer in range(depth):
        w, b = weights[layer], biases[layer]
        row = np.exp2(z[layer]).astype(np.float32) if layer < depth - 1 else np.ones(w.shape[0], np.float32)
        col = np.exp2(-z[layer - 1]).astype(np.float32) if layer > 0 else np.ones(w.shape[1], np.float32)
        w *= row[:, None]
        w *= col[None, :]
        b *= row
        out.append((w, b))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--tolerance", type=float, default=1e-6)
    parser.add_argument("--max-sweeps", type=int, default=1000)
    args = parser.parse_args()

    t0 = time.perf_counter()
    pairs, tensors, metadata = read(args.input)
    t1 = time.perf_counter()
    weights = [tensors[w] for w, _ in pairs]
    biases = [tensors[b] for _, b in pairs]
    z, sweeps, history, converged = solve(weights, biases, args.tolerance, args.max_sweeps)
    t2 = time.perf_counter()
    rescale(weights, biases, z)  # in place: the arrays in `tensors`
    save_file(tensors, args.output, metadata=metadata)
    t3 = time.perf_counter()
    json.dump({
        "read_seconds": t1 - t0,
        "solve_seconds": t2 - t1,
        "write_seconds": t3 - t2,
        "total_seconds": t3 - t0,
        "sweeps": sweeps,
        "converged": converged,
        "objective_before": history[0],
        "objective_after": history[-1],
    }, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
