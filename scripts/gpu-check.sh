#!/usr/bin/env bash
# The CUDA path, checked in one go on a machine with an NVIDIA GPU (no network needed once NuGet packages are cached;
# a few minutes on one data-centre GPU). Steps:
#   1. build with the GPU package (Microsoft.ML.OnnxRuntime.Gpu.Linux 1.32.0: CUDA 13.x, cuDNN 9.x, driver 580+)
#   2. write the 2b preset (random weights, real Qwen3-VL-2B shapes) and convert it for CUDA (cuda-fp16, cuda-int4)
#   3. run the GPU test category (skipped, with the reason, where no CUDA device exists)
#   4. vl bench-engine on cuda:0 (cuda-fp16): first-token time, decode tokens/s at 1 and 8 sequences, device memory
#   5. print a summary
# Usage: scripts/gpu-check.sh [work folder, default /tmp/vlo-gpu-check]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${1:-/tmp/vlo-gpu-check}"
mkdir -p "$work"
export ORT_DISABLE_TELEMETRY=1
log() { printf '\ngpu-check: %s\n' "$*"; }
started=$SECONDS

log "device"
nvidia-smi --query-gpu=name,driver_version,memory.total,memory.free --format=csv || echo "nvidia-smi not available"
ls /usr/lib/x86_64-linux-gnu/libcudnn.so.9* /usr/local/cuda*/lib64/libcudart.so.13* 2>/dev/null | head -5 || true

log "1/4 build with the GPU package"
dotnet build "$root/VLOrleans.sln" -c Release -nologo -clp:ErrorsOnly -p:OnnxRuntimeFlavor=gpu
vl=(dotnet "$root/client/Cli/bin/Release/net10.0/vl.dll")

log "2/4 the 2b preset, converted for CUDA"
if [ ! -f "$work/ckpt/config.json" ]; then "${vl[@]}" make-tiny-model --preset 2b --out "$work/ckpt"; fi
for weights in fp16 int4; do
  if ! grep -q "\"cuda-$weights\"" "$work/pkg/onnx/manifest.json" 2>/dev/null; then
    "${vl[@]}" convert --from "$work/ckpt" --to "$work/pkg" --weights "$weights" --target cuda
  fi
done

log "3/4 GPU test category"
gpu_tests=0
dotnet test "$root/tests/VLOrleans.Engine.Tests" -c Release --no-build --nologo --filter "Category=Gpu" \
  --logger "console;verbosity=normal" 2>&1 | tee "$work/gpu-tests.log" || gpu_tests=$?

log "4/4 vl bench-engine --device cuda:0"
bench=0
"${vl[@]}" bench-engine --model "$work/pkg" --variant cuda-fp16 --device cuda:0 --concurrency 8 --max-tokens 64 \
  --repeats 3 --json "$work/bench-engine.json" 2>&1 | tee "$work/bench-engine.log" || bench=$?

log "summary ($((SECONDS - started)) s)"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || true
grep -E "Passed!|Failed!|Skipped " "$work/gpu-tests.log" | head -5 || true
if [ -f "$work/bench-engine.json" ]; then
  grep -E '"(ttft|single_stream_decode|concurrent_8|steady|cuda_)[^"]*"' "$work/bench-engine.json" || cat "$work/bench-engine.json"
fi
echo "gpu tests exit $gpu_tests, bench exit $bench"
exit $(( gpu_tests != 0 || bench != 0 ))
