#!/usr/bin/env bash
# Starts or stops a private PostgreSQL 15 for benchmarks and comparison tests: its own data directory
# in a temp dir, listening only on a Unix socket there (no TCP), fsync on (the default durability).
#
#   eval "$(scripts/pg.sh start)"   # prints: export TREESTORE_PG_DIR=... TREESTORE_PG_URL=...
#   scripts/pg.sh restart "$TREESTORE_PG_DIR"   # empty shared buffers (benches' cold queries)
#   scripts/pg.sh stop "$TREESTORE_PG_DIR"
#
# Installs Debian's postgresql package when initdb is missing. As root, the server runs as the
# `postgres` user (PostgreSQL refuses to run as root).
set -euo pipefail

find_bin() {
  for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    if [ -x "$d/initdb" ]; then echo "$d"; return 0; fi
  done
  return 1
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  local bin
  if ! bin=$(find_bin); then
    echo "installing postgresql (Debian package)" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-contrib >&2
    bin=$(find_bin)
  fi
  local dir
  dir=$(mktemp -d /tmp/treestore-pg-XXXXXX)
  chmod 755 "$dir"
  if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; fi
  as_owner "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1
  cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$dir'
shared_buffers = 512MB
work_mem = 16MB
max_connections = 50
fsync = on
synchronous_commit = on
full_page_writes = on
jit = off
max_stack_depth = 7MB
maintenance_work_mem = 1GB
max_wal_size = 8GB
checkpoint_timeout = 30min
effective_cache_size = 8GB
random_page_cost = 1.1
effective_io_concurrency = 200
CONF
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >&2
  echo "export TREESTORE_PG_DIR=$dir"
  echo "export TREESTORE_PG_URL='host=$dir user=postgres dbname=postgres'"
}

restart() {
  local dir=${1:?usage: pg.sh restart DIR}
  local bin
  bin=$(find_bin)
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -m fast -w -t 120 restart >&2
}

stop() {
  local dir=${1:?usage: pg.sh stop DIR}
  local bin
  bin=$(find_bin)
  as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  restart) restart "${2:-}" ;;
  stop) stop "${2:-}" ;;
  *) echo "usage: $0 start | restart DIR | stop DIR" >&2; exit 2 ;;
esac
