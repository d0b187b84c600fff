#!/usr/bin/env bash
# One dependency fault under load: a server on PostgreSQL, a Redis of this script's own and
# a Kafka broker takes orders at RATE/s for 25 s; once the sale has confirmed 3,000 orders,
# FAULT is stopped for 6 s and started again. Then the outbox must be empty and every
# consumer group's lag 0 again, the tool's stock check must hold (every confirmed order
# counted once), and every confirmed order's event must be in its buyer's inbox (none lost). Prints the fault's timeline, the load's figures and how long the pipeline
# took to catch up.
#
#   scripts/dependency-fault.sh redis        # its own redis-server on REDIS_PORT (6390)
#   scripts/dependency-fault.sh postgres     # pg_ctlcluster 15 main stop -m fast / start
#   scripts/dependency-fault.sh broker       # kill -9 of BROKER_PID, then BROKER_START runs
#
# Needs the release binaries (cargo build --release -p livedrop-server --features
# postgres,redis,kafka -p livedrop-load), PostgreSQL on 127.0.0.1:5432 (user postgres,
# database DB, default livedrop_reliability: createdb it first), a broker on KAFKA (default
# 127.0.0.1:9092). For `broker`, BROKER_PID is the broker's process and BROKER_START the
# command that starts it again (with its log on disk for the log to survive: RELIABILITY.md
# says how).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

FAULT=${1:?redis, postgres or broker}
REDIS_PORT=${REDIS_PORT:-6390}
DB=${DB:-livedrop_reliability}
PORT=${PORT:-8087}
RATE=${RATE:-1500}
# Orders confirmed since this script started (not an earlier run's).
STARTED=$(psql -h 127.0.0.1 -U postgres -d "$DB" -At -c "SELECT now()")
psql_count() {
    psql -h 127.0.0.1 -U postgres -d "$DB" -At \
        -c "SELECT count(*) FROM orders WHERE created_at > '$STARTED'"
}

redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 \
    || redis-server --daemonize yes --port "$REDIS_PORT" --save "" --appendonly no
export LIVEDROP_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB" \
    LIVEDROP_REDIS_URL="redis://127.0.0.1:$REDIS_PORT" \
    LIVEDROP_KAFKA_BROKERS="${KAFKA:-127.0.0.1:9092}" \
    LIVEDROP_KAFKA_TOPIC="livedrop.faults.$FAULT.$$" \
    LIVEDROP_KAFKA_GROUP_PREFIX="livedrop.faults.$FAULT.$$." \
    LIVEDROP_REDIS_KEY_PREFIX="faults:$$:" \
    LIVEDROP_JWT_SECRET=dependency-fault-secret-of-at-least-32-bytes \
    LIVEDROP_NO_RATE_LIMITS=1 LIVEDROP_PASSWORD_HASH=4096,1,1 \
    LIVEDROP_LISTEN="127.0.0.1:$PORT"
LOG=$(mktemp -t livedrop-fault-XXXX.log)
target/release/livedrop-server >"$LOG" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done

(
    until [ "$(psql_count)" -ge 3000 ]; do sleep 0.2; done
    echo "$FAULT stopped at $(date +%T.%N)"
    case $FAULT in
        redis) redis-cli -p "$REDIS_PORT" shutdown nosave || true ;;
        postgres) pg_ctlcluster 15 main stop -m fast ;;
        broker) kill -9 "${BROKER_PID:?the pid of the broker}" ;;
    esac
    sleep 6
    case $FAULT in
        redis) redis-server --daemonize yes --port "$REDIS_PORT" --save "" --appendonly no ;;
        postgres) pg_ctlcluster 15 main start ;;
        broker) bash -c "${BROKER_START:?the command that starts the broker}" & ;;
    esac
    echo "$FAULT back at $(date +%T.%N)"
) &
FAULTER=$!
target/release/livedrop-load orders --base-url "http://127.0.0.1:$PORT" --server-pid "$SERVER" \
    --buyers 2000 --rate "$RATE" --seconds 25
wait "$FAULTER"
for i in $(seq 240); do
    metrics=$(curl -s "127.0.0.1:$PORT/metrics")
    pending=$(awk '/^livedrop_outbox_pending /{print $2}' <<<"$metrics")
    lag=$(awk '/^livedrop_consumer_lag\{/{s+=$2} END{print s+0}' <<<"$metrics")
    if [ "$pending" = "0" ] && [ "$lag" = "0" ]; then
        echo "caught up: outbox 0, consumer lag 0, $((i / 2)) s after the load's end"
        # Nothing lost on the way: every confirmed order's event reached its buyer's inbox
        # (the inbox writer is idempotent by event id, so a redelivery cannot make up for a
        # loss).
        orders=$(psql_count)
        notified=$(psql -h 127.0.0.1 -U postgres -d "$DB" -At -c "SELECT count(*) FROM notifications
            WHERE feed_kind = 'user' AND event->>'type' = 'order.confirmed' AND occurred_at > '$STARTED'")
        echo "delivered: $notified order notifications for $orders confirmed orders"
        [ "$notified" = "$orders" ] || { echo "EVENTS LOST (server log: $LOG)"; exit 1; }
        exit 0
    fi
    sleep 0.5
done
echo "NOT CAUGHT UP 120 s after the load: outbox $pending, consumer lag $lag (server log: $LOG)"
exit 1
