#!/usr/bin/env bash
# What one idle LiveDrop server costs its database: Postgres statements (and transactions)
# per second over 60 s with an empty outbox, optionally after a load of orders.
#
#   scripts/at-rest.sh            # a fresh server, nothing ordered
#   scripts/at-rest.sh 100000     # after 100,000 orders (livedrop-load pipeline), drained
#
# Runs the release binaries (build them first:
#   cargo build --release -p livedrop-server --features postgres,redis,kafka -p livedrop-load)
# against a database of its own on the local PostgreSQL (PGHOST/PGPORT/PGUSER as psql reads
# them; default 127.0.0.1:5432, user postgres), with Redis and Kafka when
# LIVEDROP_REDIS_URL / LIVEDROP_KAFKA_BROKERS are set. Statements are counted by
# pg_stat_statements when the server preloads it (shared_preload_libraries), transactions by
# pg_stat_database always; the counting queries run from another database, so they are not
# counted.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

ORDERS=${1:-0}
SECONDS_AT_REST=${AT_REST_SECONDS:-60}
DB=livedrop_at_rest
PORT=${AT_REST_PORT:-18080}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
SERVER=target/release/livedrop-server
LOAD=target/release/livedrop-load
[ -x "$SERVER" ] && [ -x "$LOAD" ] || { echo "build the release binaries first (see the header)" >&2; exit 2; }

q() { psql -d postgres -Atqc "$1"; }
q "drop database if exists $DB with (force)"
q "create database $DB"
statements=false
if [ "$(q "select count(*) from pg_settings where name = 'shared_preload_libraries' and setting like '%pg_stat_statements%'")" = 1 ]; then
    # The view is read from the postgres database (so the reads are not counted), filtered
    # to the server's database.
    q "create extension if not exists pg_stat_statements" >/dev/null
    statements=true
fi

LIVEDROP_DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$DB" LIVEDROP_LISTEN="127.0.0.1:$PORT" \
    RUST_LOG=warn "$SERVER" >/tmp/livedrop-at-rest.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
    sleep 0.2
done

if [ "$ORDERS" -gt 0 ]; then
    seconds=$(( (ORDERS + 2999) / 3000 ))
    echo "placing about $ORDERS orders ($seconds s at 3,000/s)"
    "$LOAD" pipeline --base-url "http://127.0.0.1:$PORT" --buyers 1000 --rate 3000 \
        --seconds "$seconds" --listeners 0 >/tmp/livedrop-at-rest-load.log 2>&1 || true
    tail -n 1 /tmp/livedrop-at-rest-load.log | head -c 400; echo
fi

echo "waiting for the outbox to drain"
for _ in $(seq 1 600); do
    [ "$(psql -d "$DB" -Atqc 'select count(*) from outbox')" = 0 ] && break
    sleep 1
done
[ "$(psql -d "$DB" -Atqc 'select count(*) from outbox')" = 0 ] \
    || { echo "the outbox did not drain in 10 minutes" >&2; exit 1; }
sleep 5

sample() {
    local xacts
    xacts=$(q "select xact_commit + xact_rollback from pg_stat_database where datname = '$DB'")
    if $statements; then
        echo "$xacts $(q "select coalesce(sum(calls), 0) from pg_stat_statements s join pg_database d on d.oid = s.dbid where d.datname = '$DB'")"
    else
        echo "$xacts -"
    fi
}
# Statistics reach the views with a delay of up to a second: let them settle first.
sleep 2
read -r x0 s0 < <(sample)
sleep "$SECONDS_AT_REST"
read -r x1 s1 < <(sample)
awk -v x="$((x1 - x0))" -v t="$SECONDS_AT_REST" 'BEGIN { printf "at rest: %.2f transactions/s over %d s\n", x / t, t }'
if $statements; then
    awk -v s="$((s1 - s0))" -v t="$SECONDS_AT_REST" 'BEGIN { printf "at rest: %.2f statements/s over %d s (pg_stat_statements)\n", s / t, t }'
else
    echo "statements: pg_stat_statements is not preloaded; transactions above (each is 1 to 3 statements here)"
fi
