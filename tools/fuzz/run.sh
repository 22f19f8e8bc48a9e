#!/usr/bin/env bash
# Coverage-guided fuzzing of the image decoders and the JSON request parsers: SharpFuzz instruments the managed
# assemblies, AFL++ drives them. Not part of make test.
#
#   tools/fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]      default: 200 s each for image, openai-json, ask-json
#
# Installs what it needs: Debian's afl++ (apt-get, as root) and the sharpfuzz dotnet tool (SharpFuzz.CommandLine 2.3.0,
# into tools/fuzz/.tools). Seeds come from ../shared/images (images) and tools/fuzz/seeds (JSON). Runs niced
# (nice -n 19). Results under tools/fuzz/work/<target>/: AFL's findings (crashes/, queue/) and fuzzer_stats; a summary
# of executions, crashes and corpus size per target is printed at the end, and every crash is replayed on an
# uninstrumented build (tools/fuzz/work/replay) to print its exception. Replay one yourself with
#   dotnet tools/fuzz/work/replay/vlo-fuzz.dll <target> <file>
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
seconds="${1:-200}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(image openai-json ask-json)
work="$here/work"
bin="$work/bin"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# --- tools ---
if ! command -v afl-fuzz >/dev/null; then
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq afl++ >/dev/null
  else echo "afl-fuzz missing: apt-get install afl++ (as root)" >&2; exit 1; fi
fi
if [ ! -x "$here/.tools/sharpfuzz" ]; then
  dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$here/.tools" >/dev/null
fi

# --- build and instrument (a fresh copy each run: sharpfuzz rewrites assemblies in place) ---
rm -rf "$bin" "$work/replay"
dotnet build "$here/VLOrleans.Fuzz.csproj" -c Release -nologo -clp:ErrorsOnly -o "$bin" >/dev/null
cp -r "$bin" "$work/replay"
for assembly in VLOrleans.Engine.dll VLOrleans.Silo.dll VLOrleans.Contracts.dll; do
  "$here/.tools/sharpfuzz" "$bin/$assembly" >/dev/null
done

# --- seeds ---
seeds() {
  local target="$1" dir="$work/$target/seeds"
  rm -rf "$dir"; mkdir -p "$dir"
  case "$target" in
    image)
      # every shared image up to 64 KB (AFL++ works best on small inputs; larger ones mostly repeat the same paths)
      find "$repo/../shared/images" -type f -size -64k -print0 | while IFS= read -r -d '' f; do
        cp "$f" "$dir/$(basename "$(dirname "$f")")__$(basename "$f")"; done ;;
    *) cp "$here/seeds/$target/"* "$dir/" ;;
  esac
}

# --- fuzz ---
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1
for target in "${targets[@]}"; do
  seeds "$target"
  rm -rf "$work/$target/findings"
  echo "fuzzing $target for $seconds s ($(ls "$work/$target/seeds" | wc -l) seeds)" >&2
  nice -n 19 afl-fuzz -V "$seconds" -t 5000 -m none -i "$work/$target/seeds" -o "$work/$target/findings" \
    -- dotnet "$bin/vlo-fuzz.dll" "$target" > "$work/$target/afl.log" 2>&1 || echo "afl-fuzz $target exited with $? (see $work/$target/afl.log)" >&2
done

# --- summary ---
printf '%-12s %12s %8s %8s\n' target executions crashes corpus
for target in "${targets[@]}"; do
  stats="$work/$target/findings/default/fuzzer_stats"
  [ -f "$stats" ] || { echo "$target: no fuzzer_stats" >&2; continue; }
  value() { awk -F: -v k="$1" '$1 ~ "^"k" *$" {gsub(/ /, "", $2); print $2}' "$stats"; }
  crashes="$(value saved_crashes)"; [ -n "$crashes" ] || crashes="$(value unique_crashes)"
  printf '%-12s %12s %8s %8s\n' "$target" "$(value execs_done)" "$crashes" "$(value corpus_count)"
done
for target in "${targets[@]}"; do
  for crash in "$work/$target"/findings/default/crashes/id:*; do
    [ -f "$crash" ] || continue
    echo "--- $target crash $(basename "$crash"):" >&2
    dotnet "$work/replay/vlo-fuzz.dll" "$target" "$crash" 2>&1 | head -12 >&2 || true
  done
done
