#!/usr/bin/env bash
# schemathesis against the platform's own OpenAPI document, from a built binary, with zero failures.
#
#   .ci/schemathesis.sh [path/to/xiaodi]        (default target/debug/xiaodi, as `cargo test` builds it)
#
# For each database (SQLite in a temporary data directory; PostgreSQL too when XIAODI_TEST_POSTGRES_URL
# is set, in a database made for the run and dropped after), it starts `xiaodi serve` with the Dongguan
# preset, creates a system administrator and a school user from the command line, signs both in
# (changing their generated initial passwords on the web form first, as a person must), and runs
# schemathesis over every operation the document lists, once with each token: the document is read
# from the server, so routes added later are tested without touching this script. Needs schemathesis
# installed (.ci/run pins and installs it); downloads nothing. Exits non-zero on any failure.
#
# Settings: SCHEMATHESIS_MAX_EXAMPLES (50 per operation and phase), SCHEMATHESIS_SEED (fixed, so a
# failure reproduces; change it to explore), SCHEMATHESIS_WORKERS (1).
set -euo pipefail
cd "$(dirname "$0")/.."

bin="$(realpath "${1:-target/debug/xiaodi}")"
[ -x "$bin" ] || { echo "schemathesis.sh: no binary at $bin (run cargo build or cargo test first)"; exit 1; }
# Through the python3 that pip installed it into, whatever is on PATH.
st() { python3 -m schemathesis.cli "$@"; }
st --version >/dev/null 2>&1 || { echo "schemathesis.sh: schemathesis is not installed (.ci/run installs it)"; exit 1; }
examples="${SCHEMATHESIS_MAX_EXAMPLES:-50}"
seed="${SCHEMATHESIS_SEED:-20261129}"
# One worker: with two, Python 3.11.7's ast.parse (hypothesis describing a filter) can fail with
# "AST constructor recursion depth mismatch", a CPython thread-safety bug, not the API's.
workers="${SCHEMATHESIS_WORKERS:-1}"
config="$PWD/.ci/schemathesis.toml"
token_of="$PWD/.ci/schemathesis_token.py"

work="$(mktemp -d /tmp/xiaodi-schemathesis.XXXXXX)"
server_pid=""
pg_db=""
runs=()
cleanup() {
  # The background runs first (each stops its server on its way out), then any server left.
  if [ "${#runs[@]}" -gt 0 ]; then kill "${runs[@]}" 2>/dev/null || true; wait "${runs[@]}" 2>/dev/null || true; fi
  for f in "$work"/*-server.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true; done
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  if [ -n "$pg_db" ]; then psql "$XIAODI_TEST_POSTGRES_URL" -qc "drop database if exists $pg_db with (force)" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# One schemathesis run with a token, in the data directory (its example database goes there).
fuzz() {
  local data="$1" token="$2" base="$3"
  shift 3
  (cd "$data" && export XIAODI_ST_TOKEN="$token" && st --config-file "$data/schemathesis.toml" --no-color \
    run "$base/api/openapi.json" --checks all --max-examples "$examples" --seed "$seed" \
    --workers "$workers" --request-timeout 30 "$@")
}

failed=()

# One database: serve, sign in, fuzz as each user, stop.
run_against() {
  local name="$1" database_url="$2"
  local data="$work/$name" port base
  mkdir -p "$data"
  port="$(free_port)"
  base="http://127.0.0.1:$port"
  export XIAODI_DATA_DIR="$data/server" XIAODI_LOG_LEVEL=warn
  if [ -n "$database_url" ]; then export XIAODI_DATABASE_URL="$database_url"; else unset XIAODI_DATABASE_URL; fi
  # The first `admin` (bureau) needs a password; the run does not use that account.
  export XIAODI_ADMIN_PASSWORD="St#$(python3 -c 'import secrets; print(secrets.token_hex(12))')Aa"
  # Password sign-in only, so that the tokens can be had non-interactively: the second factor has
  # tests of its own. (A setting no version knows of is ignored.)
  export XIAODI_TWO_FACTOR_ROLES='[]'
  "$bin" serve --addr "127.0.0.1:$port" >"$work/$name-server.log" 2>&1 &
  server_pid=$!
  echo "$server_pid" >"$work/$name-server.pid"
  for _ in $(seq 1 120); do curl -sf "$base/healthz" >/dev/null 2>&1 && break; sleep 0.5; done
  # Answered by this run's server (not another that took the port first), still running.
  curl -sf "$base/healthz" >/dev/null && kill -0 "$server_pid" 2>/dev/null \
    || { echo "the server did not start:"; cat "$work/$name-server.log"; exit 1; }

  # Both with generated initial passwords, changed at first sign-in by the token helper.
  printf 'username,display_name,organisation,role\nst-sysadmin,系统管理员,东莞市教育局,sysadmin\nst-school,张老师,广东医科大学,school\n' >"$data/users.csv"
  "$bin" user import "$data/users.csv" >"$data/passwords.txt"
  local user password token
  declare -A tokens=()
  for user in st-sysadmin st-school; do
    password="$(grep "^$user," "$data/passwords.txt" | cut -d, -f2-)"
    [ -n "$password" ] || { echo "no initial password for $user:"; cat "$data/passwords.txt"; exit 1; }
    tokens[$user]="$(python3 "$token_of" "$base" "$user" "$password")"
  done

  # The groups' ids, listed by the bureau's `admin`: path ids are one of them half the time (the
  # school's own group and others', whose records it must not reach) and generated otherwise.
  local bureau
  bureau="$(python3 "$token_of" "$base" admin "$XIAODI_ADMIN_PASSWORD")"
  cp "$config" "$data/schemathesis.toml"
  curl -sf -H "Authorization: Bearer $bureau" "$base/api/v1/groups?per_page=500" | python3 -c '
import json, sys
ids = [g["id"] for g in json.load(sys.stdin)["items"]]
assert ids, "the preset has no groups"
print("\n[dictionaries.group-ids]\nvalues = %s\n\n[parameters]\n\"path.id\" = { dictionary = \"group-ids\", probability = 0.5 }" % json.dumps(ids))
' >>"$data/schemathesis.toml"

  for user in st-sysadmin st-school; do
    echo "== schemathesis on $name as $user: every operation of the document"
    # Logout ends the token every other operation is tested with: it goes last, on its own.
    fuzz "$data" "${tokens[$user]}" "$base" --exclude-path /api/v1/logout || failed+=("$name as $user")
    echo "== schemathesis on $name as $user: logout, last"
    fuzz "$data" "${tokens[$user]}" "$base" --include-path /api/v1/logout || failed+=("$name as $user: logout")
  done

  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
  rm -f "$work/$name-server.pid"
}

# The two databases are fuzzed side by side, each with its own server and data directory: a run
# is a request–answer ping-pong between one Python process and one server, about one core, so on
# two cores both finish in about the time of one. Each run's output is shown whole when it ends.
start=$(date +%s)
results="$work/results"
mkdir -p "$results"
pg_url=""
if [ -n "${XIAODI_TEST_POSTGRES_URL:-}" ]; then
  pg_db="xiaodi_schemathesis_$$"
  psql "$XIAODI_TEST_POSTGRES_URL" -qc "create database $pg_db" >/dev/null
  pg_url="${XIAODI_TEST_POSTGRES_URL%/*}/$pg_db"
fi
# One database's run in the background, in its own shell where `set -e` holds (a sign-in that fails
# stops the run, it does not go on untested), its output in a file, its server stopped however it
# ends, the failures schemathesis found in $results/<name>.failed.
names=()
start_run() {
  local name="$1"
  (
    trap 'if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi' EXIT
    trap 'exit 143' TERM
    failed=()
    run_against "$@"
    if [ "${#failed[@]}" -gt 0 ]; then printf '%s\n' "${failed[@]}" >"$results/$name.failed"; fi
  ) >"$results/$name.log" 2>&1 &
  runs+=($!)
  names+=("$name")
}
start_run sqlite ""   # the data directory's own SQLite database
if [ -n "$pg_url" ]; then start_run postgres "$pg_url"; fi
for i in "${!runs[@]}"; do
  rc=0
  wait "${runs[$i]}" || rc=$?
  cat "$results/${names[$i]}.log"
  if [ -f "$results/${names[$i]}.failed" ]; then
    while IFS= read -r line; do failed+=("$line"); done <"$results/${names[$i]}.failed"
  fi
  if [ "$rc" != 0 ]; then failed+=("${names[$i]} (the run stopped: exit $rc)"); fi
done
runs=()
if [ "${#failed[@]}" -gt 0 ]; then
  printf 'schemathesis: failures on %s\n' "${failed[@]}"
  exit 1
fi
echo "schemathesis: no failures ($(( $(date +%s) - start )) s)"
