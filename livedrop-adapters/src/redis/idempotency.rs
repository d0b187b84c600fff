//! The idempotency fast path in Redis: one string per `(user, key)` with a TTL.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use ::redis::{FromRedisValue, Script, Value};
use async_trait::async_trait;
use livedrop_core::Result;
use livedrop_core::domain::IdempotencyKey;
use livedrop_core::ids::UserId;
use livedrop_core::ports::{
    Begin, Fingerprint, IdempotencyPolicy, IdempotencyRecord, IdempotencyStore, OrderAnswer,
};

use super::connection::RedisConnection;
use super::health::Health;
use super::keys::KeySpace;
use super::script_batch::ScriptBatcher;
use super::{millis, record};

static BEGIN: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("../../lua/idempotency_begin.lua")));
static COMPLETE: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("../../lua/idempotency_complete.lua")));
static ABANDON: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("../../lua/idempotency_abandon.lua")));

/// Idempotency records in Redis. See [`IdempotencyStore`] for the contract.
///
/// `begin` is `SET key in-flight NX PX lock_ttl GET` (Redis 7.0+): it claims the key or
/// returns what holds it, atomically. `complete` and `abandon` are compare-and-set scripts
/// keyed on the caller's in-flight value. Begins and completions run once per order, so
/// concurrent ones share one script call each (see `script_batch`). Expiry is Redis's own
/// (`PX`), so nothing sweeps. While Redis is down every call is a fast
/// `Unavailable`, and the order service lets the ledger's unique key decide.
#[derive(Debug)]
pub struct RedisIdempotencyStore {
    conn: RedisConnection,
    health: Arc<Health>,
    /// `begin` and `complete` run once per order: their script calls are batched.
    begins: ScriptBatcher,
    completions: ScriptBatcher,
    keys: KeySpace,
    policy: IdempotencyPolicy,
}

impl RedisIdempotencyStore {
    pub(crate) fn new(
        conn: RedisConnection,
        health: Arc<Health>,
        keys: KeySpace,
        policy: IdempotencyPolicy,
        deadline: Duration,
    ) -> Self {
        Self {
            begins: ScriptBatcher::new(&BEGIN, conn.clone(), Arc::clone(&health), deadline),
            completions: ScriptBatcher::new(&COMPLETE, conn.clone(), Arc::clone(&health), deadline),
            conn,
            health,
            keys,
            policy,
        }
    }

    /// Keys are scoped per user: `{prefix}{tag}:idem:{user}:{key}`.
    fn key(&self, user: UserId, key: &IdempotencyKey) -> String {
        self.keys.key("idem", &format!("{user}:{}", key.as_str()))
    }
}

#[async_trait]
impl IdempotencyStore for RedisIdempotencyStore {
    async fn begin(
        &self,
        user: UserId,
        key: &IdempotencyKey,
        fingerprint: &Fingerprint,
    ) -> Result<Begin> {
        let args = vec![
            record::in_flight(fingerprint),
            millis(self.policy.lock_ttl).to_string().into_bytes(),
        ];
        // The script's `false` (the key is ours) is nil under RESP2 and a boolean under
        // RESP3; anything else is the value that holds the key.
        match self.begins.call(self.key(user, key), args).await? {
            Value::Nil | Value::Boolean(false) => Ok(Begin::Started),
            held => {
                let value = Vec::<u8>::from_redis_value(held)
                    .map_err(|e| livedrop_core::Error::internal("redis", e))?;
                Ok(Begin::Existing(record::decode(&value)?))
            }
        }
    }

    async fn complete(
        &self,
        user: UserId,
        key: &IdempotencyKey,
        fingerprint: &Fingerprint,
        answer: &OrderAnswer,
    ) -> Result<()> {
        let args = vec![
            record::in_flight(fingerprint),
            record::completed(fingerprint, answer)?,
            millis(self.policy.retention).to_string().into_bytes(),
        ];
        // The reply says whether the record was still the caller's; either way is done.
        self.completions.call(self.key(user, key), args).await?;
        Ok(())
    }

    async fn abandon(
        &self,
        user: UserId,
        key: &IdempotencyKey,
        fingerprint: &Fingerprint,
    ) -> Result<()> {
        let mut conn = self.conn.clone();
        let mut call = ABANDON.key(self.key(user, key));
        call.arg(record::in_flight(fingerprint));
        let _deleted: i64 = self.health.call(call.invoke_async(&mut conn)).await?;
        Ok(())
    }

    async fn lookup(
        &self,
        user: UserId,
        key: &IdempotencyKey,
    ) -> Result<Option<IdempotencyRecord>> {
        let mut conn = self.conn.clone();
        let mut get = ::redis::cmd("GET");
        get.arg(self.key(user, key));
        let value: Option<Vec<u8>> = self.health.call(get.query_async(&mut conn)).await?;
        value.map(|value| record::decode(&value)).transpose()
    }
}
