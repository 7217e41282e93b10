#!/usr/bin/env bash
# Requests per second of a group page and of the compliance matrix page against /healthz, one run,
# the same tool (wrk) and settings: the ratio says how much a real page costs over the server's own
# overhead (group page: ≥ 0.2; the Dongguan matrix page for a year: ≥ 0.2).
# Needs a release build (cargo build --release) and wrk (apt-get install -y wrk).
# Usage: benches/throughput.sh [duration, default 20s]
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-20s}"
dir="$(mktemp -d)"
port=18080
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
# The bureau signs in with a password alone here (by default it needs a second factor too).
XIAODI_ADMIN_PASSWORD='Bench#2024pw' XIAODI_LOG_LEVEL=warn XIAODI_TWO_FACTOR_ROLES='[]' \
  ./target/release/xiaodi serve --addr "127.0.0.1:${port}" --data-dir "$dir" >"$dir/log" 2>&1 &
pid=$!
base="http://127.0.0.1:${port}"
for _ in $(seq 1 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done

# Sign in as the bureau through the login form (CSRF cookie + token), keep the session cookie.
jar="$dir/cookies"
csrf="$(curl -s -c "$jar" "$base/login" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -n1)"
where="$(curl -s -b "$jar" -c "$jar" -o /dev/null -w '%{redirect_url}' -H "Origin: $base" \
  --data-urlencode "csrf_token=$csrf" --data-urlencode 'username=admin' \
  --data-urlencode 'password=Bench#2024pw' "$base/login")"
# The first start's password must be changed before anything else.
if curl -s -b "$jar" -o /dev/null -w '%{redirect_url}' "$base/" | grep -q '/account/password'; then
  csrf="$(curl -s -b "$jar" "$base/account/password" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -n1)"
  curl -s -b "$jar" -c "$jar" -o /dev/null -H "Origin: $base" \
    --data-urlencode "csrf_token=$csrf" --data-urlencode 'current=Bench#2024pw' \
    --data-urlencode 'new_password=Bench#2025pw!' --data-urlencode 'confirm=Bench#2025pw!' \
    "$base/account/password"
fi
session="$(awk '$6 == "xiaodi_session" { print $7 }' "$jar")"
[ -n "$session" ] || { echo "sign-in failed (sent to ${where:-nowhere})"; exit 1; }
cookie="xiaodi_session=$session"
status="$(curl -s -o /dev/null -w '%{http_code}' -b "$cookie" "$base/groups")"
[ "$status" = 200 ] || { echo "the group list answered $status (sign-in incomplete?)"; exit 1; }
group="$(curl -s -b "$cookie" "$base/groups" | sed -n 's|.*href="/groups/\([0-9a-f-]\{36\}\)".*|\1|p' | head -n1)"
[ -n "$group" ] || { echo "no group found"; exit 1; }
status="$(curl -s -o /dev/null -w '%{http_code}' -b "$cookie" "$base/groups/$group")"
[ "$status" = 200 ] || { echo "group page answered $status"; exit 1; }
matrix="/compliance?year=2024"
matrix_status="$(curl -s -o /dev/null -w '%{http_code}' -b "$cookie" "$base$matrix")"
case "$matrix_status" in
  200) ;;
  404) echo "matrix page not present ($matrix answered 404): measuring the group page only" ;;
  *) echo "matrix page answered $matrix_status"; exit 1 ;;
esac

run() { wrk -t2 -c50 -d"$duration" --latency "$@"; }
rps() { awk '/Requests\/sec/ { print $2 }'; }
echo "== /healthz"
health="$(run "$base/healthz")"; echo "$health"
echo "== /groups/$group (signed in as the bureau)"
page="$(run -H "Cookie: $cookie" "$base/groups/$group")"; echo "$page"
if [ "$matrix_status" = 200 ]; then
  echo "== $matrix (signed in as the bureau)"
  mpage="$(run -H "Cookie: $cookie" "$base$matrix")"; echo "$mpage"
fi
# Every answer counted must have been a page, not a redirect to the login or an error.
if echo "$page${mpage:-}" | grep -q 'Non-2xx or 3xx responses'; then
  echo "some requests did not answer 2xx/3xx"; exit 1
fi
h="$(echo "$health" | rps)"
g="$(echo "$page" | rps)"
awk -v g="$g" -v h="$h" 'BEGIN { printf "group page / healthz = %.0f / %.0f = %.3f\n", g, h, g / h }'
if [ "$matrix_status" = 200 ]; then
  m="$(echo "$mpage" | rps)"
  awk -v m="$m" -v h="$h" 'BEGIN { printf "matrix page / healthz = %.0f / %.0f = %.3f\n", m, h, m / h }'
fi
