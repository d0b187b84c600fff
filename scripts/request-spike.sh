#!/usr/bin/env bash
# A 10x request spike with the rate limits on: one server on PostgreSQL, Redis (the
# limiter's buckets) and a broker. First a steady order load alone (RATE orders/s from
# 1,000 buyers, each well under the order limit of 5/s); then the same steady load again
# with, in its middle, nine times RATE more from 100 buyers for 10 s (27 orders/s each at
# the default RATE, over the order limit: most get 429). Prints both steady runs' latencies side by side (the allowed
# requests must keep theirs), the spike's answers, and whether the server still answers.
#
#   scripts/request-spike.sh          # RATE=300
#
# Needs what scripts/dependency-fault.sh needs (release binaries, PostgreSQL with database
# DB, default livedrop_reliability, a broker on KAFKA) and Redis on 6379.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

DB=${DB:-livedrop_reliability}
PORT=${PORT:-8089}
RATE=${RATE:-300}
SPIKE_RATE=$((RATE * 9))
export LIVEDROP_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB" \
    LIVEDROP_REDIS_URL=redis://127.0.0.1:6379 \
    LIVEDROP_REDIS_KEY_PREFIX="spike:$$:" \
    LIVEDROP_KAFKA_BROKERS="${KAFKA:-127.0.0.1:9092}" \
    LIVEDROP_KAFKA_TOPIC="livedrop.spike.$$" \
    LIVEDROP_KAFKA_GROUP_PREFIX="livedrop.spike.$$." \
    LIVEDROP_JWT_SECRET=request-spike-secret-of-at-least-32-bytes \
    LIVEDROP_PASSWORD_HASH=4096,1,1 \
    LIVEDROP_LISTEN="127.0.0.1:$PORT"
LOG=$(mktemp -t livedrop-spike-XXXX.log)
OUT=$(mktemp -d -t livedrop-spike-XXXX)
target/release/livedrop-server >"$LOG" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$OUT"' EXIT
for _ in $(seq 100); do curl -sf "127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done

load() {
    target/release/livedrop-load orders --base-url "http://127.0.0.1:$PORT" \
        --server-pid "$SERVER" "$@"
}
orders_since() {
    psql -h 127.0.0.1 -U postgres -d "$DB" -At \
        -c "SELECT count(*) FROM orders WHERE created_at > '$1'"
}

echo "== steady alone: $RATE orders/s from 1,000 buyers for 20 s"
load --rate "$RATE" --buyers 1000 --seconds 20 --json "$OUT/alone.json" >"$OUT/alone.txt"
grep -E '^(orders|  *latency)' "$OUT/alone.txt"

echo "== steady again, with a spike of $SPIKE_RATE orders/s from 100 buyers for 10 s in its middle"
started=$(psql -h 127.0.0.1 -U postgres -d "$DB" -At -c "SELECT now()")
load --rate "$RATE" --buyers 1000 --seconds 30 --json "$OUT/steady.json" >"$OUT/steady.txt" &
STEADY=$!
# The spike's own set-up (its buyers, its drop) runs once the steady load is under way.
until [ "$(orders_since "$started")" -ge $((RATE * 3)) ]; do sleep 0.2; done
load --rate "$SPIKE_RATE" --buyers 100 --seconds 10 --json "$OUT/spike.json" >"$OUT/spike.txt"
wait "$STEADY"
echo "steady during the spike:"
grep -E '^(orders|  *latency)' "$OUT/steady.txt"
echo "the spike:"
grep -E '^(orders|  *latency|oversell|server)' "$OUT/spike.txt"

health=$(curl -s -o /dev/null -w '%{http_code}' "127.0.0.1:$PORT/healthz")
echo "server after the spike: healthz $health, RSS $(awk '/VmRSS/{print $2, $3}' "/proc/$SERVER/status")"
[ "$health" = 200 ] || { echo "FAILED: the server does not answer (log: $LOG)"; exit 1; }
python3 - "$OUT" <<'EOF'
import json, sys
out = sys.argv[1]
def orders(name):
    return json.load(open(f"{out}/{name}.json"))["orders"]
alone, steady, spike = orders("alone"), orders("steady"), orders("spike")
print(f"p99 of the allowed steady orders: {alone['latency_ms']['p99_ms']:.1f} ms alone, "
      f"{steady['latency_ms']['p99_ms']:.1f} ms with the spike")
print(f"spike: {spike['requests']} sent, {spike['ok']} allowed, {spike['rate_limited']} answered 429, "
      f"{spike['errors']} unanswered")
assert steady["rate_limited"] == 0, "the steady buyers were limited"
assert spike["rate_limited"] > 0, "the spike was not limited"
assert spike["errors"] == 0 and steady["errors"] == 0, "requests went unanswered"
EOF
