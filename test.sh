#!/usr/bin/env bash
# Runs every OrleansTasks test against a throwaway PostgreSQL: finds (or installs) the PostgreSQL binaries, starts a
# server on a free loopback port with a fresh data directory, runs `dotnet test`, stops the server, and exits with
# the tests' status. Extra arguments go to `dotnet test` (for example: --filter "Category!=Slow"). With no arguments it
# also checks the project template end to end (templates/verify.sh) and runs the one-minute chaos scenario
# (bench -- chaos) after the tests.
set -euo pipefail
cd "$(dirname "$0")"

find_pg_bin() {
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v initdb)")"; return
  fi
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then echo "$dir"; return; fi
  return 1
}

PG_BIN=$(find_pg_bin || true)
if [ -z "$PG_BIN" ]; then
  echo "test.sh: PostgreSQL binaries not found; installing them with apt-get" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  PG_BIN=$(find_pg_bin)
fi

# initdb and postgres refuse to run as root: run them as the postgres user then.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
  useradd --system --no-create-home postgres
fi

free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$(( 20000 + RANDOM % 30000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
  echo "test.sh: no free port found" >&2; return 1
}

# Trigger.dev's official SDK, which the HTTP API tests drive (tests/sdk-compat: its version pinned in package-lock.json).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "test.sh: node and npm not found; installing them with apt-get" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
npm ci --prefix tests/sdk-compat --no-audit --no-fund --loglevel=error

# Debian's Chromium, which the dashboard tests drive through Playwright (no browser is downloaded).
if [ -z "${ORLEANSTASKS_CHROMIUM:-}" ] && ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  echo "test.sh: chromium not found; installing it with apt-get" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

DATA=$(mktemp -d /tmp/orleanstasks-pg.XXXXXX)
[ "$(id -u)" -eq 0 ] && chown postgres "$DATA"
PORT=$(free_port)

stop_pg() {
  as_pg "$PG_BIN/pg_ctl" -D "$DATA" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$DATA"
}
trap stop_pg EXIT

as_pg "$PG_BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 >/dev/null
# A throwaway server: durability settings off, they only slow tests down.
as_pg "$PG_BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 start -o \
  "-p $PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$DATA -c max_connections=500 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null
echo "test.sh: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT ($DATA)"

export ORLEANSTASKS_TEST_POSTGRES="Host=127.0.0.1;Port=$PORT;Username=postgres;Database=postgres"
export ORLEANSTASKS_REQUIRE_POSTGRES=1

set +e
# Build everything first (the silo host and the benchmark too), so a break anywhere fails the run.
dotnet build OrleansTasks.sln -c Release -nologo -clp:ErrorsOnly && dotnet test OrleansTasks.sln -c Release --no-build "$@"
status=$?
# Then the `dotnet new orleanstasks` template, end to end: pack, install, create, build against the packages, test.
if [ $status -eq 0 ] && [ $# -eq 0 ] && [ "${ORLEANSTASKS_TEMPLATE:-1}" != "0" ]; then
  ./templates/verify.sh
  status=$?
fi
# Then one minute of chaos: three silo processes, one SIGKILLed every 10 s and restarted, runs triggered throughout;
# it exits non-zero if any run is lost, stranded or failed, a child is triggered twice, or a step repeats. Skipped
# when arguments select tests (a developer's quick run), or with ORLEANSTASKS_CHAOS=0.
if [ $status -eq 0 ] && [ $# -eq 0 ] && [ "${ORLEANSTASKS_CHAOS:-1}" != "0" ]; then
  dotnet bench/bin/Release/net10.0/OrleansTasks.Bench.dll chaos --minutes 1 --silos 3 --kill-every 10 --postgres "$ORLEANSTASKS_TEST_POSTGRES"
  status=$?
fi
set -e
if [ $status -ne 0 ]; then
  echo "test.sh: tests failed (exit $status); last lines of the PostgreSQL log:" >&2
  tail -n 20 "$DATA/server.log" >&2 || true
fi
exit $status
