#!/usr/bin/env bash
# A local cluster on loopback: Redis (membership) and PostgreSQL (sessions) from scripts/services.sh, two model nodes
# (VLO__Role=model: silo + model, HTTP only for health/status/metrics) and one web node (VLO__Role=web: the API, the
# UI and SignalR as an Orleans client). Every process writes its log and pid under data/cluster/.
#
#   scripts/cluster.sh start    build if needed, start services and nodes, wait until the web node is ready
#   scripts/cluster.sh stop     SIGTERM every node (each finishes or ends its running turns), then stop the services
#   scripts/cluster.sh status   each node's pid and /readyz, and the web node's view of the cluster
#
# Settings (environment): VLO_CLUSTER_DIR (data/cluster), VLO_CLUSTER_WEB_PORT (8080: the API and UI),
# VLO_CLUSTER_MODEL_PORTS ("8081 8082": the model nodes' health ports), VLO_CLUSTER_ID (vlo-local),
# VLO_POSTGRES_PORT / VLO_REDIS_PORT (as scripts/services.sh), VLO_CLUSTER_MODEL (a model package folder; empty = the
# demo model, built once under VLO_CLUSTER_DIR/model-data), VLO_CLUSTER_TASKSET ("0 1": pin model node i to core i,
# for the scaling benchmark), CONFIG (Release).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${VLO_CLUSTER_DIR:-$root/data/cluster}"
web_port="${VLO_CLUSTER_WEB_PORT:-8080}"
read -r -a model_ports <<<"${VLO_CLUSTER_MODEL_PORTS:-8081 8082}"
read -r -a pins <<<"${VLO_CLUSTER_TASKSET:-}"
cluster_id="${VLO_CLUSTER_ID:-vlo-local}"
config="${CONFIG:-Release}"
dll="$root/silo/bin/$config/net10.0/VLOrleans.Silo.dll"

log() { printf 'cluster: %s\n' "$*"; }
fail() { printf 'cluster: %s\n' "$*" >&2; exit 1; }

services_env() {
  # KEY=VALUE lines whose values hold ';' (connection strings): read, not sourced.
  local key value
  while IFS='=' read -r key value; do [ -z "$key" ] || export "$key=$value"; done <"${VLO_SERVICES_DIR:-$root/data/services}/env"
}

wait_ready() { # url seconds pid
  local i
  for ((i = 0; i < $2 * 5; i++)); do
    kill -0 "$3" 2>/dev/null || return 1
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$1/readyz")" = 200 ] && return 0
    sleep 0.2
  done
  return 1
}

start_node() { # name role http-port [core]
  local name="$1" role="$2" port="$3" core="${4:-}" pid
  if [ -f "$dir/$name.pid" ] && kill -0 "$(cat "$dir/$name.pid")" 2>/dev/null; then log "$name already runs"; return 0; fi
  local launcher=()
  [ -z "$core" ] || launcher=(taskset -c "$core")
  VLO__Role="$role" VLO__Cluster__Redis="$VLO_TEST_REDIS" VLO__Cluster__Postgres="$VLO_TEST_POSTGRES" \
    VLO__Orleans__ClusterId="$cluster_id" VLO__DataPath="$dir/model-data" VLO__Model__Path="${VLO_CLUSTER_MODEL:-}" \
    ORT_DISABLE_TELEMETRY=1 nohup "${launcher[@]}" dotnet "$dll" --urls "http://127.0.0.1:$port" >"$dir/$name.log" 2>&1 &
  pid=$!
  echo "$pid" >"$dir/$name.pid"
  log "$name ($role) pid $pid on http://127.0.0.1:$port${core:+, core $core}"
  wait_ready "http://127.0.0.1:$port" 300 "$pid" || { tail -20 "$dir/$name.log" >&2; fail "$name did not become ready (log: $dir/$name.log)"; }
}

start() {
  [ -f "$dll" ] || (cd "$root" && dotnet build silo/VLOrleans.Silo.csproj -c "$config" -nologo -clp:ErrorsOnly)
  bash "$root/scripts/services.sh" start
  services_env
  mkdir -p "$dir"
  local i
  # The first model node builds the demo model (when no model is named) before the second one reads it.
  for i in "${!model_ports[@]}"; do start_node "model$((i + 1))" model "${model_ports[$i]}" "${pins[$i]:-}"; done
  start_node web web "$web_port"
  log "ready: http://127.0.0.1:$web_port (status: http://127.0.0.1:$web_port/api/v1/status)"
}

stop_node() {
  local name="$1" pid
  [ -f "$dir/$name.pid" ] || return 0
  pid="$(cat "$dir/$name.pid")"
  if kill -0 "$pid" 2>/dev/null; then
    log "stopping $name (pid $pid)"
    kill -TERM "$pid"
    for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && { log "$name did not stop in 30 s: kill -9"; kill -KILL "$pid"; }
  fi
  rm -f "$dir/$name.pid"
}

stop() {
  local f
  stop_node web
  for f in "$dir"/model*.pid; do [ -e "$f" ] && stop_node "$(basename "$f" .pid)"; done
  bash "$root/scripts/services.sh" stop
}

status() {
  local f name pid port rc=0
  for f in "$dir"/*.pid; do
    [ -e "$f" ] || continue
    name="$(basename "$f" .pid)"; pid="$(cat "$f")"
    port="$(sed -n 's|.*--urls http://127.0.0.1:\([0-9]*\).*|\1|p' "/proc/$pid/cmdline" 2>/dev/null | tr -d '\0' || true)"
    if kill -0 "$pid" 2>/dev/null; then log "$name pid $pid up"; else log "$name pid $pid gone"; rc=1; fi
  done
  curl -sf "http://127.0.0.1:$web_port/api/v1/status" | python3 -c 'import json,sys; c=json.load(sys.stdin)["cluster"]; [print("cluster: node", n["address"], n["role"], "ready" if n["ready"] else "not ready", n.get("model") or "") for n in c["nodes"]]' \
    || { log "web node on $web_port does not answer"; rc=1; }
  return $rc
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) fail "usage: scripts/cluster.sh start|stop|status" ;;
esac
