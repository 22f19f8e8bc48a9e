#!/usr/bin/env bash
# Regenerates every figure of docs/PERFORMANCE.md on this machine (run it on a quiet machine: nothing else running).
#   tools/bench/run-performance.sh [preset]     (preset: 2b by default; 4b works too)
# Writes artifacts/bench/: floors.json, bench-<preset>.json and .md (the tables to paste into the page), and
# BenchmarkDotNet's reports under artifacts/bench/bdn/. The first run also makes and converts the random-weight model
# (int4 + fp32) into data/bench-models/<preset>/ (~15 GB for 2b, a few minutes); later runs reuse it.
set -euo pipefail
preset="${1:-2b}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$root/artifacts/bench"
mkdir -p "$out"
cd "$root"
dotnet build VLOrleans.sln -c Release -nologo -clp:ErrorsOnly
vl() { dotnet client/Cli/bin/Release/net10.0/vl.dll "$@"; }

# 1. the floors: memory bandwidth (STREAM-style triad and read) and MatMul throughput
vl bench --floors --json "$out/floors.json"
# 2. the server comparison (a)/(b)/(c) over HTTP/SSE; prints the table, ratios last (~20 min for 2b on 2 cores)
vl bench --preset "$preset" --json "$out/bench-$preset.json" --markdown "$out/bench-$preset.md"
# 3. micro-benchmarks (the decode step and vision encoder read the package step 2 cached)
dotnet run -c Release --project bench/VLOrleans.Benchmarks -- \
  --filter '*JpegToPixelValuesBenchmarks*' '*TokenizerBenchmarks*' '*DecodeStepBenchmarks*' '*VisionEncodeBenchmarks*' \
  --artifacts "$out/bdn" --exporters github
echo "tables: $out/bench-$preset.md and $out/bdn/results/*-report-github.md"
