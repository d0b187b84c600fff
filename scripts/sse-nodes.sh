#!/usr/bin/env bash
# Event streams on NODES server nodes sharing PostgreSQL, Redis and Kafka: one load process
# per node (the open-file limit is 20,000 per process, so one process holds about 19,000
# streams), each spreading STREAMS streams round robin over every node, so each node holds
# about STREAMS streams and every order crosses nodes. Prints each process's verdict and
# figures; the JSON summaries are left in /tmp/livedrop-sse-*.json.
#
#   scripts/sse-nodes.sh 1 18000     # one node, 18,000 streams
#   scripts/sse-nodes.sh 3 18000     # three nodes, 54,000 streams
#
# Needs the release binaries (cargo build --release -p livedrop-server -p livedrop-load
# --features livedrop-server/postgres,livedrop-server/redis,livedrop-server/kafka,livedrop-load/postgres),
# PostgreSQL on PGHOST/PGPORT (default 127.0.0.1:5432, user postgres), Redis on
# 127.0.0.1:6379 and a Kafka broker on 127.0.0.1:9092 (LIVEDROP_REDIS_URL / LIVEDROP_KAFKA_BROKERS override).
# Set SSE_ARGS for more of `livedrop-load sse` (say "--storm 5000"); CPU_PIN=1 pins the
# servers to CPU 0 and the load to CPU 1 (a 2-core machine).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

NODES=${1:-1}
STREAMS=${2:-18000}
DB=livedrop_sse
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
REDIS=${LIVEDROP_REDIS_URL:-redis://127.0.0.1:6379}
KAFKA=${LIVEDROP_KAFKA_BROKERS:-127.0.0.1:9092}
SERVER=target/release/livedrop-server
LOAD=target/release/livedrop-load
[ -x "$SERVER" ] && [ -x "$LOAD" ] || { echo "build the release binaries first (see the header)" >&2; exit 2; }
pin_server=() pin_load=()
if [ "${CPU_PIN:-0}" = 1 ]; then pin_server=(taskset -c 0) pin_load=(taskset -c 1); fi

psql -d postgres -Atqc "drop database if exists $DB with (force)"
psql -d postgres -Atqc "create database $DB"
pids=() urls=() pid_args=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT
for n in $(seq 1 "$NODES"); do
    port=$((18200 + n))
    # One secret for every node (a token from one opens streams on all); sign-ups are
    # set-up here, so they hash cheaply.
    LIVEDROP_DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$DB" LIVEDROP_REDIS_URL="$REDIS" \
        LIVEDROP_KAFKA_BROKERS="$KAFKA" LIVEDROP_JWT_SECRET="sse-nodes-secret-of-at-least-32-bytes" \
        LIVEDROP_PASSWORD_HASH=1024,1,1 LIVEDROP_MAX_STREAMS=19000 \
        LIVEDROP_LISTEN="127.0.0.1:$port" RUST_LOG=warn \
        "${pin_server[@]}" "$SERVER" >"/tmp/livedrop-sse-node-$n.log" 2>&1 &
    pids+=($!)
    urls+=(--base-url "http://127.0.0.1:$port")
    pid_args+=(--server-pid "$!")
done
for n in $(seq 1 "$NODES"); do
    for _ in $(seq 1 100); do
        curl -fs "http://127.0.0.1:$((18200 + n))/readyz" >/dev/null 2>&1 && break
        sleep 0.2
    done
done

loads=()
for n in $(seq 1 "$NODES"); do
    # shellcheck disable=SC2086 # SSE_ARGS is a list of flags
    (ulimit -n 20000; "${pin_load[@]}" "$LOAD" sse "${urls[@]}" "${pid_args[@]}" \
        --streams "$STREAMS" --database-url "postgres://$PGUSER@$PGHOST:$PGPORT/$DB" \
        --json "/tmp/livedrop-sse-$n.json" ${SSE_ARGS:-} >"/tmp/livedrop-sse-$n.log" 2>&1) &
    loads+=($!)
done
status=0
for n in $(seq 1 "$NODES"); do
    wait "${loads[$((n - 1))]}" || status=1
    echo "== load process $n"
    grep -v '^{' "/tmp/livedrop-sse-$n.log" | grep -v '^\s*$' | tail -n 14
done
exit $status
