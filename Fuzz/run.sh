#!/usr/bin/env bash
# Builds fulcrum's fuzz targets (libFuzzer + AddressSanitizer, debug) and
# runs each for a bounded time over a scratch copy of its committed seed
# corpus (Fuzz/corpus/<target>/), with its dictionary (Fuzz/dict/).
#
#   Fuzz/run.sh [SECONDS] [TARGET...]      SECONDS per target (default 60);
#                                          TARGET: npy npz safetensors spec (default all)
#   Fuzz/run.sh --regress [TARGET...]      run every seed and every saved crash once, no fuzzing
#
# Exit status 0 when no target crashed, 1 otherwise. A crash, leak, timeout
# or out-of-memory input is saved under Fuzz/artifacts/<target>/ and printed
# (hex and base64) with the command that reproduces it. Turn every such
# input into a regression test in Tests/ and fix the parser.
set -uo pipefail
cd "$(dirname "$0")"

mode=fuzz
seconds=60
if [[ "${1:-}" == "--regress" ]]; then mode=regress; shift
elif [[ "${1:-}" =~ ^[0-9]+$ ]]; then seconds=$1; shift
fi
all_targets=(npy npz safetensors spec)
targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=("${all_targets[@]}")

declare -A executable=([npy]=FuzzNPY [npz]=FuzzNPZ [safetensors]=FuzzSafetensors [spec]=FuzzSpec)
for target in "${targets[@]}"; do
    [[ -n "${executable[$target]:-}" ]] || { echo "run.sh: unknown target '$target' (known: ${all_targets[*]})" >&2; exit 64; }
done

# libFuzzer's own handler reports crashes with the input; Swift's backtracer
# would take over the signal first and keep the process alive for seconds.
export SWIFT_BACKTRACE=enable=no
# The Swift runtime keeps metadata caches alive until exit: not leaks.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}"

# `--sanitize=fuzzer` makes SwiftPM link libFuzzer's main instead of the
# target's; the sanitizers themselves go in ONE swiftc flag, because SwiftPM
# passes `--sanitize=fuzzer --sanitize=address` as two flags in an arbitrary
# order and swiftc keeps only the last (seen: builds without coverage).
build_flags=(-c debug --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=fuzzer-no-link,address)
start=$(date +%s)
build_log=$(mktemp)
if ! swift build "${build_flags[@]}" >"$build_log" 2>&1; then
    grep -E "error:" "$build_log" | head -40; tail -20 "$build_log"
    echo "run.sh: the fuzz targets do not build" >&2
    exit 1
fi
rm -f "$build_log"
bin=$(swift build "${build_flags[@]}" --show-bin-path)
echo "run.sh: built in $(( $(date +%s) - start )) s"

failed=()
for target in "${targets[@]}"; do
    exe="$bin/${executable[$target]}"
    artifacts="artifacts/$target"
    mkdir -p "$artifacts"
    log=$(mktemp)
    if [[ $mode == regress ]]; then
        inputs=(corpus/"$target"/*)
        [[ -n "$(ls -A "$artifacts")" ]] && inputs+=("$artifacts"/*)
        "$exe" -runs=0 "${inputs[@]}" >"$log" 2>&1
        status=$?
    else
        work=$(mktemp -d)
        # FUZZ_RUNS and FUZZ_SEED make a run reproducible (a fixed number of
        # inputs from a fixed seed): CI uses them so that it never fails on a
        # machine-speed-dependent find; a time-bounded run explores further.
        budget=(-max_total_time="$seconds")
        [[ -n "${FUZZ_RUNS:-}" ]] && budget=(-runs="$FUZZ_RUNS")
        [[ -n "${FUZZ_SEED:-}" ]] && budget+=(-seed="$FUZZ_SEED")
        "$exe" "$work" "corpus/$target" "${budget[@]}" -timeout=20 -rss_limit_mb=2048 -max_len=65536 \
            -dict="dict/$target.dict" -artifact_prefix="$artifacts/" -print_final_stats=1 >"$log" 2>&1
        status=$?
        rm -rf "$work"
    fi
    if [[ $status -eq 0 && $mode == regress ]]; then
        echo "run.sh: $target: no crash (${#inputs[@]} inputs, each run once)"
    elif [[ $status -eq 0 ]]; then
        runs=$(grep -Eo "stat::number_of_executed_units: *[0-9]+" "$log" | grep -Eo "[0-9]+$" || true)
        cov=$(grep -Eo "cov: [0-9]+" "$log" | tail -1 || true)
        echo "run.sh: $target: no crash (${runs:-?} inputs, ${cov:-cov: ?})"
    else
        failed+=("$target")
        echo "run.sh: $target: FAILED (exit $status); libFuzzer's report:"
        grep -v -E "^#[0-9]+|^INFO:|^MS:" "$log" | tail -60
        if [[ $mode == regress ]]; then
            artifact=$(grep -Eo "^Running: .*" "$log" | tail -1 | sed 's/^Running: //')
        else
            artifact=$(grep -Eo "Test unit written to .*" "$log" | tail -1 | sed 's/^Test unit written to //')
        fi
        if [[ -n "$artifact" && -f "$artifact" ]]; then
            echo "--- reproducer $artifact ($(wc -c <"$artifact") bytes)"
            od -A d -t x1 -v "$artifact" | head -40
            echo "base64: $(base64 -w0 "$artifact" | head -c 4000)"
            echo "reproduce: SWIFT_BACKTRACE=enable=no $exe $PWD/${artifact#./}"
        fi
    fi
    rm -f "$log"
done

if [[ ${#failed[@]} -gt 0 ]]; then
    echo "run.sh: crashes in: ${failed[*]}"
    exit 1
fi
echo "run.sh: all targets passed (${targets[*]})"
