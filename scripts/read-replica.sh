#!/usr/bin/env bash
# A real streaming read replica: a second PostgreSQL cluster made from the main one with
# pg_basebackup, streaming on REPLICA_PORT (5433); a server reading browse and inbox lists
# from it (--database-read-url) takes a mixed load (reads and orders) plus browse and
# inbox reads. Then: the replica served reads (its own transaction count grew), it is a
# standby (so no write can have gone there: it refuses them), its replay lag, and the
# load's oversell check and error counts. The replica is stopped and removed at the end.
#
#   scripts/read-replica.sh
#
# Needs root (it runs the replica as the `postgres` user and adds a `host replication`
# line for 127.0.0.1 to the main cluster's pg_hba.conf if it has none), PostgreSQL 15 on
# 127.0.0.1:5432 with database DB (default livedrop_reliability: createdb it first),
# Redis on 6379, a broker on KAFKA (default 127.0.0.1:9092) and the release binaries
# (cargo build --release -p livedrop-server --features postgres,redis,kafka -p
# livedrop-load).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

DB=${DB:-livedrop_reliability}
REPLICA_PORT=${REPLICA_PORT:-5433}
PORT=${PORT:-8088}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
DIR=$(mktemp -d -t livedrop-replica-XXXX)
primary() { psql -h 127.0.0.1 -U postgres -d "$DB" -At "$@"; }
replica() { psql -h 127.0.0.1 -p "$REPLICA_PORT" -U postgres -d "$DB" -At "$@"; }

HBA=$(primary -c "SHOW hba_file")
if ! grep -Eq '^host[[:space:]]+replication' "$HBA"; then
    echo "host replication all 127.0.0.1/32 trust" >>"$HBA"
    primary -c "SELECT pg_reload_conf()" >/dev/null
fi

# The copy, its standby settings (-R: standby.signal and primary_conninfo), and the two
# files a Debian cluster keeps outside its data directory.
pg_basebackup -h 127.0.0.1 -U postgres -D "$DIR/data" -R -X stream -c fast
cat >"$DIR/data/postgresql.conf" <<EOF
port = $REPLICA_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$DIR'
hot_standby = on
max_connections = 100
EOF
echo "host all all 127.0.0.1/32 trust" >"$DIR/data/pg_hba.conf"
chown -R postgres "$DIR"
chmod 700 "$DIR/data"
su postgres -c "$PGBIN/pg_ctl -D $DIR/data -l $DIR/replica.log -w start" >/dev/null
cleanup() {
    kill "${SERVER:-}" 2>/dev/null || true
    su postgres -c "$PGBIN/pg_ctl -D $DIR/data -m fast -w stop" >/dev/null 2>&1 || true
    rm -rf "$DIR"
}
trap cleanup EXIT
echo "replica on $REPLICA_PORT: in recovery = $(replica -c 'SELECT pg_is_in_recovery()')"

export LIVEDROP_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB" \
    LIVEDROP_DATABASE_READ_URL="postgres://postgres@127.0.0.1:$REPLICA_PORT/$DB" \
    LIVEDROP_REDIS_URL=redis://127.0.0.1:6379 \
    LIVEDROP_REDIS_KEY_PREFIX="replica:$$:" \
    LIVEDROP_KAFKA_BROKERS="${KAFKA:-127.0.0.1:9092}" \
    LIVEDROP_KAFKA_TOPIC="livedrop.replica.$$" \
    LIVEDROP_KAFKA_GROUP_PREFIX="livedrop.replica.$$." \
    LIVEDROP_JWT_SECRET=read-replica-secret-of-at-least-32-bytes \
    LIVEDROP_NO_RATE_LIMITS=1 LIVEDROP_PASSWORD_HASH=4096,1,1 \
    LIVEDROP_LISTEN="127.0.0.1:$PORT" \
    LIVEDROP_MAIL_DIR="$DIR/mail"
LOG=$(mktemp -t livedrop-replica-server-XXXX.log)
target/release/livedrop-server >"$LOG" 2>&1 &
SERVER=$!
for _ in $(seq 100); do curl -sf "127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done

reads_on_replica() { replica -c "SELECT xact_commit FROM pg_stat_database WHERE datname = '$DB'"; }
before=$(reads_on_replica)
target/release/livedrop-load mixed --base-url "http://127.0.0.1:$PORT" --server-pid "$SERVER" \
    --buyers 500 --rate 1000 --seconds 20 --read-share 0.5

# Browse and inbox lists, as a signed-in buyer: they are the replica's to serve.
email="replica-$$@example.com"
curl -sf "127.0.0.1:$PORT/api/auth/register" -H 'content-type: application/json' \
    -d "{\"email\":\"$email\",\"name\":\"Replica Reader\"}" >/dev/null
# The link the server mailed (its LIVEDROP_MAIL_DIR, above): the message to this address.
link=$(grep -l "^To: $email" "$LIVEDROP_MAIL_DIR"/*.eml | tail -n 1 | xargs grep -ho 'confirm?token=[A-Za-z0-9._-]*')
registered=$(curl -sf "127.0.0.1:$PORT/api/auth/register/confirm" -H 'content-type: application/json' \
    -d "{\"token\":\"${link#confirm?token=}\",\"password\":\"replica reads lag a little\"}")
token=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["tokens"]["accessToken"])' <<<"$registered")
me=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["user"]["id"])' <<<"$registered")
creator=$(curl -sf "127.0.0.1:$PORT/browse/drops?limit=1" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["creatorId"])')
statuses=""
for _ in $(seq 50); do
    for path in /browse/drops "/browse/products?creatorId=$creator" /api/notifications \
        "/users/$me/orders"; do
        statuses+="$(curl -s -o /dev/null -w '%{http_code}' "127.0.0.1:$PORT$path" -H "authorization: Bearer $token") "
    done
done
after=$(reads_on_replica)
echo "browse and inbox lists: $(tr ' ' '\n' <<<"$statuses" | sort | uniq -c | tr -s ' \n' ' ')"
echo "replica: $((after - before)) transactions served during the run; in recovery = $(replica -c 'SELECT pg_is_in_recovery()')"
echo "replication: $(primary -c "SELECT state, 'replay lag ' || coalesce(replay_lag::text, '0') FROM pg_stat_replication")"
errors=$(grep -c '"level":"ERROR"\| ERROR ' "$LOG" || true)
echo "server log errors: $errors"
bad=$(tr ' ' '\n' <<<"$statuses" | grep -vc '^200$\|^$' || true)
[ "$bad" = 0 ] && [ "$errors" = 0 ] && [ "$after" -gt "$before" ] \
    || { echo "FAILED (server log: $LOG)"; exit 1; }
echo "read replica: passed"
