#!/usr/bin/env bash
# The services the tests and a local cluster need: a throwaway PostgreSQL cluster and a Redis server, both on
# 127.0.0.1 on fixed non-default ports (so a system PostgreSQL/Redis on 5432/6379 is never touched), with their
# files under the repo's git-ignored data/services/. Every subcommand is idempotent.
#
#   scripts/services.sh install                  Debian packages postgresql and redis-server (apt-get)
#   scripts/services.sh start  [postgres|redis]  init (first time) and start; writes data/services/env
#   scripts/services.sh stop   [postgres|redis]  stop (files kept; `rm -rf data/services` resets everything)
#   scripts/services.sh status [postgres|redis]  exit 0 only when every named service answers
#   scripts/services.sh destroy [postgres|redis] stop and delete the service's files
#
# Tests read data/services/env (or the same variables from the environment):
#   VLO_TEST_POSTGRES  an Npgsql connection string (user vlo, database vlo, trust auth on loopback only)
#   VLO_TEST_REDIS     host:port
# Overrides (used by the store's outage test, which runs its own instance it can stop):
#   VLO_SERVICES_DIR (default data/services), VLO_POSTGRES_PORT (55432), VLO_REDIS_PORT (56379),
#   VLO_POSTGRES_STOP_MODE (fast; `immediate` is a crash: recovery replays the WAL on the next start).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${VLO_SERVICES_DIR:-$root/data/services}"
pg_port="${VLO_POSTGRES_PORT:-55432}"
redis_port="${VLO_REDIS_PORT:-56379}"
pg_home="$dir"
if [ "$(id -u)" -eq 0 ] && id postgres >/dev/null 2>&1; then
  mkdir -p "$dir"
  # PostgreSQL runs as "postgres": when that user cannot reach into this checkout (a clone under /root, mode 700),
  # its files live in the postgres user's home instead, one folder per services folder.
  runuser -u postgres -- test -x "$dir" \
    || pg_home="$(getent passwd postgres | cut -d: -f6)/vlorleans/$(printf %s "$dir" | md5sum | cut -c1-12)"
fi
pg_data="$pg_home/postgres"
pg_run="$pg_home/postgres-run" # the unix socket and lock file: /var/run/postgresql may not exist or be writable
redis_dir="$dir/redis"
APT_PACKAGES=(postgresql redis-server)

log() { printf 'services: %s\n' "$*"; }
fail() { printf 'services: %s\n' "$*" >&2; exit 1; }

# PostgreSQL refuses to run as root: when we are root (CI), the cluster belongs to the Debian "postgres" user.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_bin() {
  local bin
  bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  [ -x "$bin/pg_ctl" ] || fail "PostgreSQL is not installed: run scripts/services.sh install"
  echo "$bin"
}

install() {
  local missing=() p sudo_cmd=""
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  log "installing Debian packages: ${missing[*]}"
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  # policy-rc.d (containers) or no systemd: the packages' own system services may not start; we never use them.
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

write_env() {
  mkdir -p "$dir"
  cat > "$dir/env.tmp" <<EOF
VLO_TEST_POSTGRES=Host=127.0.0.1;Port=$pg_port;Username=vlo;Database=vlo
VLO_TEST_REDIS=127.0.0.1:$redis_port
EOF
  mv "$dir/env.tmp" "$dir/env"
}

pg_running() { [ -f "$pg_data/PG_VERSION" ] && as_pg "$(pg_bin)/pg_ctl" -D "$pg_data" status >/dev/null 2>&1; }

start_postgres() {
  local bin; bin="$(pg_bin)"
  mkdir -p "$dir"
  if [ ! -f "$pg_data/PG_VERSION" ]; then
    log "initdb $pg_data (port $pg_port)"
    rm -rf "$pg_data"; mkdir -p "$pg_data" "$pg_run"
    [ "$(id -u)" -ne 0 ] || chown postgres:postgres "$pg_data" "$pg_run"
    as_pg "$bin/initdb" -D "$pg_data" -U vlo --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; fail "initdb failed"; }
    # A throwaway cluster: loopback only (trust auth is safe there), its own socket folder, and no fsync (only an
    # operating-system crash could lose a commit; a killed or stopped server still replays its WAL).
    cat >> "$pg_data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $pg_port
unix_socket_directories = '$pg_run'
fsync = off
max_connections = 200
EOF
  fi
  mkdir -p "$pg_run"; [ "$(id -u)" -ne 0 ] || chown postgres:postgres "$pg_run"
  if ! pg_running; then
    log "starting PostgreSQL on 127.0.0.1:$pg_port"
    as_pg "$bin/pg_ctl" -D "$pg_data" -l "$pg_data/server.log" -w -t 60 start >/dev/null \
      || { tail -20 "$pg_data/server.log" >&2; fail "PostgreSQL did not start (is port $pg_port taken? see $pg_data/server.log)"; }
  fi
  # The database the tests use (they isolate themselves in schemas of their own).
  if ! as_pg "$bin/psql" -h 127.0.0.1 -p "$pg_port" -U vlo -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'vlo'" | grep -q 1; then
    as_pg "$bin/createdb" -h 127.0.0.1 -p "$pg_port" -U vlo vlo
  fi
}

stop_postgres() {
  pg_running || return 0
  log "stopping PostgreSQL ($pg_data)"
  as_pg "$(pg_bin)/pg_ctl" -D "$pg_data" -m "${VLO_POSTGRES_STOP_MODE:-fast}" -w -t 60 stop >/dev/null
}

status_postgres() {
  "$(pg_bin)/pg_isready" -h 127.0.0.1 -p "$pg_port" -U vlo -d vlo -q && log "postgres up on 127.0.0.1:$pg_port" \
    || { log "postgres down (127.0.0.1:$pg_port)"; return 1; }
}

redis_ping() { command -v redis-cli >/dev/null && [ "$(redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null)" = PONG ]; }

start_redis() {
  command -v redis-server >/dev/null || fail "redis-server is not installed: run scripts/services.sh install"
  redis_ping && return 0
  log "starting Redis on 127.0.0.1:$redis_port (no persistence)"
  mkdir -p "$redis_dir"
  redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no --daemonize yes \
    --dir "$redis_dir" --pidfile "$redis_dir/redis.pid" --logfile "$redis_dir/redis.log"
  for _ in $(seq 50); do redis_ping && return 0; sleep 0.1; done
  tail -20 "$redis_dir/redis.log" >&2; fail "Redis did not start (is port $redis_port taken?)"
}

stop_redis() {
  redis_ping || return 0
  log "stopping Redis"
  redis-cli -h 127.0.0.1 -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
  for _ in $(seq 50); do redis_ping || return 0; sleep 0.1; done
  fail "Redis did not stop"
}

status_redis() {
  redis_ping && log "redis up on 127.0.0.1:$redis_port" || { log "redis down (127.0.0.1:$redis_port)"; return 1; }
}

command="${1:-}"; shift || true
services=("$@"); ((${#services[@]})) || services=(postgres redis)
for s in "${services[@]}"; do [[ "$s" == postgres || "$s" == redis ]] || fail "unknown service '$s' (postgres or redis)"; done
case "$command" in
  install) install ;;
  start) for s in "${services[@]}"; do "start_$s"; done; write_env; log "ok; environment in $dir/env" ;;
  stop) for s in "${services[@]}"; do "stop_$s"; done ;;
  destroy) for s in "${services[@]}"; do "stop_$s"; done
           for s in "${services[@]}"; do if [ "$s" = postgres ]; then rm -rf "$pg_data" "$pg_run"; else rm -rf "$redis_dir"; fi; done ;;
  status) rc=0; for s in "${services[@]}"; do "status_$s" || rc=1; done; exit $rc ;;
  *) fail "usage: scripts/services.sh install|start|stop|status|destroy [postgres|redis]" ;;
esac
