#!/usr/bin/env python3
"""A creator with 1,000,000 followers in PostgreSQL, and a reader following 500 creators.

    python3 scripts/million-followers.py            # 1,000,000 followers
    python3 scripts/million-followers.py 100000     # fewer, for a quick look

Measures, against a release server of its own on a database of its own:
  1. a drop of the creator goes live: how long after its `occurredAt` the `drop.started`
     is in a follower's inbox (`GET /api/notifications`, polled 40 times a second), and how many
     notification rows it wrote (fan-out on read: exactly one, however many follow);
  2. the first inbox page of a user following 500 creators (20 notifications each):
     latency over 1,000 sequential requests on one kept-alive connection, paced under the
     read rate limit, beside the same page for a user following nobody (the baseline).
Exit status 1 when a bar is missed (1 s, one row, p99 20 ms), 2 when the run fails.

Build first: cargo build --release -p livedrop-server --features postgres,redis,kafka
Uses the local PostgreSQL (PGHOST/PGPORT/PGUSER as psql reads them; default 127.0.0.1:5432,
user postgres), and Kafka or Redis when LIVEDROP_KAFKA_BROKERS / LIVEDROP_REDIS_URL are set.
The followers are inserted with SQL (a million sign-ups over HTTP would take an hour of
password hashing); the measured follower and the reader sign up and follow over HTTP.
"""

import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone

FOLLOWERS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
DB = "livedrop_million"
PORT = int(os.environ.get("MILLION_PORT", "18090"))
SERVER = "target/release/livedrop-server"
PG = {
    "PGHOST": os.environ.get("PGHOST", "127.0.0.1"),
    "PGPORT": os.environ.get("PGPORT", "5432"),
    "PGUSER": os.environ.get("PGUSER", "postgres"),
}
PASSWORD = "million-followers-password"
# Where the server writes the sign-ups' confirmation mail (a fresh directory per run).
MAIL_DIR = tempfile.mkdtemp(prefix="livedrop-million-mail-")
READER_CREATORS = 500
NOTICES_PER_CREATOR = 20
PAGE_REQUESTS = 1_000
# Under the `read` class (50/s per user): the page is timed, not the limiter.
PAGE_RATE = 40


def psql(database, sql):
    env = {**os.environ, **PG}
    done = subprocess.run(
        ["psql", "-d", database, "-v", "ON_ERROR_STOP=1", "-Atqc", sql],
        env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"psql failed: {done.stderr.strip()}")
    return done.stdout.strip()


class Api:
    """JSON over one kept-alive connection."""

    def __init__(self):
        self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)

    def call(self, method, path, body=None, token=None, headers=None):
        sent = dict(headers or {})
        if token:
            sent["authorization"] = f"Bearer {token}"
        data = None
        if body is not None:
            data = json.dumps(body)
            sent["content-type"] = "application/json"
        try:
            self.conn.request(method, path, body=data, headers=sent)
            response = self.conn.getresponse()
        except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
            # The server closed a connection idle past its header timeout: a new one.
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
            self.conn.request(method, path, body=data, headers=sent)
            response = self.conn.getresponse()
        raw = response.read()
        return response.status, (json.loads(raw) if raw else None)

    def ok(self, method, path, body=None, token=None, headers=None):
        status, answer = self.call(method, path, body, token, headers)
        if status >= 300:
            sys.exit(f"{method} {path}: {status} {answer}")
        return answer


def mailed_token(email):
    """The token of the confirmation link the server wrote to MAIL_DIR for `email`."""
    for _ in range(100):
        for name in sorted(os.listdir(MAIL_DIR), reverse=True):
            if not name.endswith(".eml"):
                continue
            with open(os.path.join(MAIL_DIR, name), encoding="utf-8") as message:
                text = message.read()
            # Read as text, its CRLF line ends are plain newlines.
            if f"\nTo: {email}\n" in text and "#/confirm?token=" in text:
                return text.split("#/confirm?token=", 1)[1].split()[0]
        time.sleep(0.05)
    sys.exit(f"no confirmation link to {email} in {MAIL_DIR}")


def sign_up(api, name):
    email = f"{name}-{uuid.uuid4().hex[:12]}@million.test"
    api.ok("POST", "/api/auth/register", {"email": email, "name": name})
    answer = api.ok("POST", "/api/auth/register/confirm", {
        "token": mailed_token(email), "password": PASSWORD})
    return answer["user"]["id"], answer["tokens"]["accessToken"]


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def timed_pages(api, token):
    """Latencies (ms) of PAGE_REQUESTS first inbox pages, paced at PAGE_RATE a second."""
    latencies = []
    for _ in range(PAGE_REQUESTS):
        began = time.perf_counter()
        status, page = api.call("GET", "/api/notifications?limit=20", token=token)
        latencies.append((time.perf_counter() - began) * 1000)
        if status != 200:
            sys.exit(f"inbox page: {status} {page}")
        time.sleep(max(0.0, 1 / PAGE_RATE - (time.perf_counter() - began)))
    return latencies


def seed_followers(creator_id):
    print(f"inserting {FOLLOWERS:,} followers with SQL", flush=True)
    began = time.time()
    psql(DB, f"""
        insert into users (id, email, name, created_at)
            select gen_random_uuid(), 'f' || i || '@million.test', 'Follower', now() - interval '2 hours'
            from generate_series(1, {FOLLOWERS}) i;
        insert into follows (creator_id, user_id, created_at)
            select '{creator_id}', id, now() - interval '1 hour' from users
            where email like 'f%@million.test';
        update creators set follower_count = follower_count + {FOLLOWERS} where id = '{creator_id}';
        analyze users; analyze follows;""")
    print(f"  done in {time.time() - began:.0f} s", flush=True)


def seed_reader_creators(reader_id):
    """500 creators the reader follows, each with 20 stored notifications."""
    psql(DB, f"""
        create temp table seeded as
            select gen_random_uuid() as owner, gen_random_uuid() as creator, i
            from generate_series(1, {READER_CREATORS}) i;
        insert into users (id, email, name, created_at)
            select owner, 'o' || i || '@million.test', 'Owner', now() - interval '3 hours' from seeded;
        insert into creators (id, owner_id, display_name, handle, created_at, follower_count)
            select creator, owner, 'Creator ' || i, 'million' || i, now() - interval '3 hours', 1 from seeded;
        insert into follows (creator_id, user_id, created_at)
            select creator, '{reader_id}', now() - interval '2 hours' from seeded;
        insert into notifications (feed_kind, feed_id, event_id, event, occurred_at)
            select 'creator', creator, e.id,
                   jsonb_build_object('id', e.id, 'type', 'drop.started',
                       'payload', jsonb_build_object('available', 10),
                       'occurredAt', to_char(e.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                       'creatorId', creator, 'dropId', gen_random_uuid()),
                   e.at
            from seeded, lateral (
                select gen_random_uuid() as id,
                       now() - interval '1 hour' + (n * interval '1 minute') + (i * interval '1 ms') as at
                from generate_series(1, {NOTICES_PER_CREATOR}) n) e;
        analyze follows; analyze notifications;""")


def main():
    if not os.access(SERVER, os.X_OK):
        sys.exit(2)
    psql("postgres", f"drop database if exists {DB} with (force)")
    psql("postgres", f"create database {DB}")
    env = {**os.environ,
           "LIVEDROP_DATABASE_URL": f"postgres://{PG['PGUSER']}@{PG['PGHOST']}:{PG['PGPORT']}/{DB}",
           "LIVEDROP_LISTEN": f"127.0.0.1:{PORT}",
           # Sign-ups here are set-up, not what is measured.
           "LIVEDROP_PASSWORD_HASH": "1024,1,1",
           "LIVEDROP_MAIL_DIR": MAIL_DIR,
           "RUST_LOG": "warn"}
    log = open("/tmp/livedrop-million.log", "w")
    server = subprocess.Popen([SERVER], env=env, stdout=log, stderr=log)
    try:
        for _ in range(100):
            try:
                if Api().call("GET", "/readyz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        api = Api()
        _, seller = sign_up(api, "seller")
        creator = api.ok("POST", "/api/creators",
                         {"displayName": "Million", "handle": f"m{uuid.uuid4().hex[:10]}"}, seller)
        product = api.ok("POST", "/products", {
            "creatorId": creator["id"], "title": "Hat", "description": "For everyone",
            "priceCents": 2500, "currencyCode": "EUR"}, seller)
        seed_followers(creator["id"])
        _, fan = sign_up(api, "fan")
        api.ok("POST", "/follow", {"creatorId": creator["id"]}, fan)
        reader_id, reader = sign_up(api, "reader")
        _, loner = sign_up(api, "loner")
        seed_reader_creators(reader_id)

        start = datetime.now(timezone.utc) + timedelta(seconds=3)
        drop = api.ok("POST", "/drops", {
            "productId": product["id"], "startAt": start.isoformat(),
            "endAt": (start + timedelta(hours=1)).isoformat(),
            "initialStock": 100, "lowStockThreshold": 10}, seller)
        seen = None
        deadline = time.time() + 30
        while seen is None and time.time() < deadline:
            page = api.ok("GET", "/api/notifications?limit=5", token=fan)
            now = datetime.now(timezone.utc)
            for item in page["items"]:
                event = item["event"] if "event" in item else item
                if event.get("type") == "drop.started" and event.get("dropId") == drop["id"]:
                    seen = (now, datetime.fromisoformat(event["occurredAt"].replace("Z", "+00:00")))
            time.sleep(1 / PAGE_RATE)
        if seen is None:
            print("drop.started never reached the follower's inbox")
            return 1
        after_occurred = (seen[0] - seen[1]).total_seconds()
        rows = int(psql(DB, f"select count(*) from notifications where event->>'type' = 'drop.started' "
                            f"and event->>'dropId' = '{drop['id']}'"))
        followers = int(psql(DB, f"select follower_count from creators where id = '{creator['id']}'"))

        print(f"timing {PAGE_REQUESTS} first inbox pages each ({PAGE_RATE}/s)", flush=True)
        base = timed_pages(api, loner)
        busy = timed_pages(api, reader)
        p99 = percentile(busy, 99)
        summary = {
            "followers": followers,
            "dropStartedInInboxAfterOccurredMs": round(after_occurred * 1000, 1),
            "dropStartedInInboxAfterStartAtMs": round((seen[0] - start).total_seconds() * 1000, 1),
            "notificationRows": rows,
            "inboxPage500CreatorsMs": {"p50": round(percentile(busy, 50), 2), "p99": round(p99, 2),
                                       "max": round(max(busy), 2)},
            "inboxPageBaselineMs": {"p50": round(percentile(base, 50), 2),
                                    "p99": round(percentile(base, 99), 2), "max": round(max(base), 2)},
        }
        print(json.dumps(summary, indent=2))
        passed = after_occurred <= 1.0 and rows == 1 and p99 <= 20.0
        print("PASSED" if passed else "FAILED: a bar (1 s, one row, p99 20 ms) was missed")
        return 0 if passed else 1
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    sys.exit(main())
