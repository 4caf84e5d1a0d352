#!/usr/bin/env bash
# Side by side, in one run on the same generated file:
#   - cp of the file (the I/O floor), and cp followed by an fsync of the copy
#     (fulcrum's writes are atomic and fsync'd; cp's are not);
#   - a NumPy implementation of Saul's multiplicative update to the same
#     tolerance (Benchmarks/reference/saul_numpy.py: read, solve, write);
#   - `fulcrum balance` end to end (read, solve, verify, write), in its
#     default exact mode and with --continuous;
#   - `fulcrum align` end to end (exact, verified, written) and `fulcrum diff`
#     of the file against a balanced copy of it with 8 probes (the copy made
#     once through the library by `fulcrum-bench balanced`, cached beside the
#     model); these two have no NumPy reference;
# printing wall times, peak resident memory (/usr/bin/time), the ratios and
# the targets; then the GB/s of one solver sweep next to a memcpy of the
# same bytes (fulcrum-bench bandwidth).
#
# Usage: Benchmarks/side_by_side.sh [small|medium|large] [repeats]
#   model:   small ≈ 3M, medium ≈ 33M, large ≈ 130M float32 parameters
#            (default large); generated into $FULCRUM_BENCH_DIR
#            (default /tmp/fulcrum-bench), never committed.
#   repeats: runs per command, the fastest is reported (default 3).
# Environment: PYTHON (default: /work/venv/bin/python if present, else
# python3) must have numpy and safetensors (pip install numpy safetensors);
# SKIP_ALIGN=1 leaves out the `fulcrum align` row (minutes on the 130M model).
set -euo pipefail

model="${1:-large}"
repeats="${2:-3}"
root="$(cd "$(dirname "$0")/.." && pwd)"
export FULCRUM_BENCH_DIR="${FULCRUM_BENCH_DIR:-/tmp/fulcrum-bench}"
if [[ -z "${PYTHON:-}" ]]; then
    if [[ -x /work/venv/bin/python ]]; then PYTHON=/work/venv/bin/python; else PYTHON=python3; fi
fi

if [[ ! -x /usr/bin/time ]]; then
    echo "installing GNU time (apt-get install -y time)" >&2
    apt-get install -y time >/dev/null
fi
"$PYTHON" -c "import numpy, safetensors" 2>/dev/null || {
    echo "side_by_side.sh: $PYTHON lacks numpy or safetensors (pip install numpy safetensors)" >&2; exit 2; }

echo "building fulcrum and fulcrum-bench (release)…" >&2
swift build -c release --product fulcrum --package-path "$root" >/dev/null
swift build -c release --product fulcrum-bench --package-path "$root/Benchmarks" >/dev/null
fulcrum="$root/.build/release/fulcrum"
bench="$root/Benchmarks/.build/release/fulcrum-bench"

file="$("$bench" generate "$model")"
balanced="$("$bench" balanced "$model")"
size=$(stat -c %s "$file")
out="$(mktemp -d "$FULCRUM_BENCH_DIR/side-by-side.XXXXXX")"
trap 'rm -rf "$out"' EXIT
cat "$file" "$balanced" >/dev/null   # warm the page cache: every run reads from memory

# run NAME COMMAND...: runs the command `repeats` times (removing its output
# in between), keeps the fastest wall time and the largest peak RSS.
declare -A wall rss
run() {
    local name="$1"; shift
    local best="" peak=0
    for _ in $(seq "$repeats"); do
        rm -f "$out"/result.* "$out"/.result.*
        sync
        /usr/bin/time -f "%e %M" -o "$out/time" "$@" >"$out/stdout" 2>"$out/stderr" || {
            echo "side_by_side.sh: '$name' failed:" >&2; cat "$out/stderr" >&2; exit 1; }
        read -r seconds kilobytes <"$out/time"
        if [[ -z "$best" ]] || awk "BEGIN{exit !($seconds < $best)}"; then best=$seconds; fi
        (( kilobytes > peak )) && peak=$kilobytes
    done
    wall[$name]=$best
    rss[$name]=$peak
}

run cp cp "$file" "$out/result.cp"
run cp_fsync sh -c 'cp "$1" "$2" && sync "$2"' sh "$file" "$out/result.cpsync"
run numpy "$PYTHON" "$root/Benchmarks/reference/saul_numpy.py" "$file" "$out/result.numpy.safetensors" --tolerance 1e-6
numpy_json="$(cat "$out/stdout")"
run fulcrum "$fulcrum" balance "$file" -o "$out/result.fulcrum.safetensors" --tolerance 1e-6
run fulcrum_continuous "$fulcrum" balance "$file" -o "$out/result.fulcrumc.safetensors" --tolerance 1e-6 --continuous
if [[ "${SKIP_ALIGN:-0}" != 1 ]]; then
    run fulcrum_align "$fulcrum" align "$file" -o "$out/result.align.safetensors"
else
    wall[fulcrum_align]=0; rss[fulcrum_align]=0
fi
run fulcrum_diff "$fulcrum" diff "$file" "$balanced" --probes 8
bandwidth="$("$bench" bandwidth "$file")"

mb() { awk "BEGIN{printf \"%.0f\", $1/1024}"; }
ratio() { awk "BEGIN{printf \"%.2f\", $1/$2}"; }
echo
echo "file: $file"
echo "      $(awk "BEGIN{printf \"%.1f\", $size/1e6}") MB, model $model; best of $repeats runs"
echo "cpu:  $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
printf "%-28s %9s %12s %10s %14s\n" "" "wall s" "peak RSS MB" "× cp" "RSS × file"
for name in cp cp_fsync numpy fulcrum fulcrum_continuous fulcrum_align fulcrum_diff; do
    printf "%-28s %9s %12s %10s %14s\n" "$name" "${wall[$name]}" "$(mb "${rss[$name]}")" \
        "$(ratio "${wall[$name]}" "${wall[cp]}")" "$(ratio "$((rss[$name] * 1024))" "$size")"
done
echo "(fulcrum_align: \`fulcrum align FILE -o OUT\`, exact, verified; fulcrum_diff: \`fulcrum diff FILE BALANCED --probes 8\`,"
echo " BALANCED = $balanced; neither has a NumPy reference: only cp is shown beside them)"
echo
echo "numpy reference: $numpy_json"
echo
echo "targets (model $model):"
echo "  fulcrum balance within 3× cp:            $(ratio "${wall[fulcrum]}" "${wall[cp]}")× cp ($(ratio "${wall[fulcrum]}" "${wall[cp_fsync]}")× cp+fsync)"
echo "  at least 5× faster than NumPy:           $(ratio "${wall[numpy]}" "${wall[fulcrum]}")× (continuous: $(ratio "${wall[numpy]}" "${wall[fulcrum_continuous]}")×)"
echo "  peak RSS at most 1.5× the file:          $(ratio "$((rss[fulcrum] * 1024))" "$size")× (continuous: $(ratio "$((rss[fulcrum_continuous] * 1024))" "$size")×)"
echo
echo "sweep vs memcpy: $bandwidth"
