# Starts and stops a throwaway PostgreSQL 15 for tests. Source it, then:
#   pg_start   initdb in a temp dir, start on a free port on 127.0.0.1, export PG_CONNINFO
#   pg_stop    stop it and remove its files (safe to call twice)
# PostgreSQL refuses to run as root, so as root the server runs as the postgres user.
# Failing to start is an error: the PostgreSQL tests must never be skipped silently.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

pg_free_port() {
  python3 - <<'PY'
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}

pg_as() {
  if [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi
}

pg_start() {
  PG_DIR=$(mktemp -d /tmp/homevisit-pg.XXXXXX)
  chmod 755 "$PG_DIR"
  install -d -m 700 "$PG_DIR/data"
  install -d "$PG_DIR/run"
  if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$PG_DIR/data" "$PG_DIR/run"; fi
  PG_PORT=$(pg_free_port)
  pg_as "$PG_BIN/initdb -D $PG_DIR/data -U postgres -A trust --no-sync -E UTF8 --locale=C.UTF-8" >"$PG_DIR/initdb.log" 2>&1 \
    || { cat "$PG_DIR/initdb.log" >&2; echo "postgres: initdb failed" >&2; return 1; }
  pg_as "$PG_BIN/pg_ctl -D $PG_DIR/data -l $PG_DIR/run/pg.log -o '-p $PG_PORT -k $PG_DIR/run -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300' -w start" >/dev/null \
    || { cat "$PG_DIR/run/pg.log" >&2; echo "postgres: failed to start" >&2; return 1; }
  export PG_CONNINFO="host=127.0.0.1 port=$PG_PORT dbname=postgres user=postgres"
  echo "postgres: running on 127.0.0.1:$PG_PORT"
}

pg_stop() {
  if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR/data" ]; then
    pg_as "$PG_BIN/pg_ctl -D $PG_DIR/data -m fast -w stop" >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
  fi
  PG_DIR=""
}
