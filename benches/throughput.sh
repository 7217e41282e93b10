#!/usr/bin/env bash
# Requests per second of a group page against /healthz, one run, the same tool (wrk) and settings:
# the ratio says how much a real page costs over the server's own overhead (issue: ≥ 0.2).
# Needs a release build (cargo build --release) and wrk (apt-get install -y wrk).
# Usage: benches/throughput.sh [duration, default 20s]
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-20s}"
dir="$(mktemp -d)"
port=18080
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
XIAODI_ADMIN_PASSWORD='Bench#2024pw' XIAODI_LOG_LEVEL=warn \
  ./target/release/xiaodi serve --addr "127.0.0.1:${port}" --data-dir "$dir" >"$dir/log" 2>&1 &
pid=$!
base="http://127.0.0.1:${port}"
for _ in $(seq 1 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done

# Sign in as the bureau through the login form (CSRF cookie + token), keep the session cookie.
jar="$dir/cookies"
csrf="$(curl -s -c "$jar" "$base/login" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -n1)"
curl -s -b "$jar" -c "$jar" -o /dev/null -H "Origin: $base" \
  --data-urlencode "csrf_token=$csrf" --data-urlencode 'username=admin' \
  --data-urlencode 'password=Bench#2024pw' "$base/login"
session="$(awk '$6 == "xiaodi_session" { print $7 }' "$jar")"
[ -n "$session" ] || { echo "sign-in failed"; exit 1; }
group="$(curl -s -b "xiaodi_session=$session" "$base/" | sed -n 's|.*href="/groups/\([0-9a-f-]\{36\}\)".*|\1|p' | head -n1)"
[ -n "$group" ] || { echo "no group found"; exit 1; }
status="$(curl -s -o /dev/null -w '%{http_code}' -b "xiaodi_session=$session" "$base/groups/$group")"
[ "$status" = 200 ] || { echo "group page answered $status"; exit 1; }

run() { wrk -t2 -c50 -d"$duration" --latency "$@"; }
echo "== /healthz"
health="$(run "$base/healthz")"; echo "$health"
echo "== /groups/$group (signed in as the bureau)"
page="$(run -H "Cookie: xiaodi_session=$session" "$base/groups/$group")"; echo "$page"
h="$(echo "$health" | awk '/Requests\/sec/ { print $2 }')"
g="$(echo "$page" | awk '/Requests\/sec/ { print $2 }')"
awk -v g="$g" -v h="$h" 'BEGIN { printf "group page / healthz = %.0f / %.0f = %.3f\n", g, h, g / h }'
