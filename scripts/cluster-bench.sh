#!/usr/bin/env bash
# "One model node vs two": the same `vl bench --url` load through a web node, first against one model node pinned to
# core 0, then against two model nodes pinned to cores 0 and 1 (scripts/cluster.sh with VLO_CLUSTER_TASKSET), and the
# requests/s ratio of the two. Run it on a quiet machine with at least 3 cores (the web node, Redis and PostgreSQL
# run unpinned). Arguments after the script go to `vl bench` (e.g. --preset 2b --sessions 8 --duration 180).
#
#   scripts/cluster-bench.sh --smoke                      # tiny model, seconds: checks the harness
#   scripts/cluster-bench.sh --preset 2b --duration 180   # the real figure (the 2b random-weight package, int4)
#
# The model nodes serve the package `vl bench` converts for the preset (data/bench-models/<preset>/package), with
# VLO__Model__Variant (int4 unless set), one decoder and one vision thread each (one core each).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${VLO_CLUSTER_BENCH_DIR:-$root/data/cluster-bench}"
mkdir -p "$out"
preset=2b
for ((i = 1; i <= $#; i++)); do
  case "${!i}" in --smoke) preset=tiny ;; --preset) j=$((i + 1)); preset="${!j}" ;; esac
done
vl=("$root/vl")
package="$root/data/bench-models/$preset/package"
# The first time, a one-conversation (c) run on a server of its own converts the preset's package.
[ -d "$package" ] || "${vl[@]}" bench "$@" --configs c --conversations 1 --min-requests 1 --duration 1 >/dev/null
[ -d "$package" ] || { echo "cluster-bench: no package at $package" >&2; exit 1; }

export VLO_CLUSTER_MODEL="$package" VLO__Engine__DecoderThreads=1 VLO__Engine__VisionThreads=1
[ "$preset" = tiny ] || export VLO__Model__Variant="${VLO__Model__Variant:-int4}"
run() { # name ports cores [vl bench arguments]
  local name="$1" ports="$2" cores="$3"; shift 3
  VLO_CLUSTER_MODEL_PORTS="$ports" VLO_CLUSTER_TASKSET="$cores" bash "$root/scripts/cluster.sh" start
  "${vl[@]}" bench --url "http://127.0.0.1:${VLO_CLUSTER_WEB_PORT:-8080}" --json "$out/$name.json" "$@" || true
  bash "$root/scripts/cluster.sh" stop
}
trap 'bash "$root/scripts/cluster.sh" stop >/dev/null 2>&1 || true' EXIT
run one "8081" "0" "${@}"
run two "8081 8082" "0 1" "${@}"
python3 - "$out/one.json" "$out/two.json" <<'PY'
import json, sys
one, two = (json.load(open(p))["configurations"][0]["requests_per_second"] for p in sys.argv[1:3])
print(f"one model node: {one:.3f} req/s; two model nodes: {two:.3f} req/s; ratio {two / one:.2f}" if one else "no requests completed")
PY
