//! Whether Redis answers: the switch every Redis adapter uses between Redis and its
//! fallback.

use std::future::Future;
use std::time::Duration;

use ::redis::{RedisError, RetryMethod};
use livedrop_core::{Error, Result};

use crate::circuit::Circuit;

const BACKEND: &str = "redis";

/// Whether Redis answers, shared by the Redis adapters of one connection: a [`Circuit`]
/// and what counts as an outage for Redis.
///
/// While Redis is down, every call would otherwise wait out a connect attempt or a response
/// timeout before its fallback runs; an order would pay that at each of its idempotency
/// calls. So after a transient failure calls skip Redis at once (returning `Unavailable`,
/// which every adapter's caller treats as "use the fallback"), and one call per
/// `retry_every` probes it.
#[derive(Debug)]
pub(crate) struct Health {
    circuit: Circuit,
}

impl Health {
    pub(crate) fn new(retry_every: Duration) -> Self {
        Self {
            circuit: Circuit::new(BACKEND, "falling back until it answers again", retry_every),
        }
    }

    /// Whether Redis answered the last call that reached it.
    pub(crate) fn is_up(&self) -> bool {
        self.circuit.is_up()
    }

    /// Runs one Redis call through the breaker and maps its error: transient failures
    /// (connection, timeout, loading, failover) are `Unavailable` and open the circuit;
    /// anything else is `Internal`, a bug rather than an outage.
    pub(crate) async fn call<T>(
        &self,
        call: impl Future<Output = Result<T, RedisError>>,
    ) -> Result<T> {
        if !self.circuit.may_call() {
            return Err(Error::circuit_open(BACKEND));
        }
        match call.await {
            Ok(value) => {
                self.circuit.succeeded();
                Ok(value)
            }
            Err(error) if is_transient(&error) => {
                let _ = self.circuit.failed(&error);
                Err(Error::unavailable(BACKEND, error))
            }
            Err(error) => {
                // Redis answered, so it is up, even though this call was wrong.
                self.circuit.succeeded();
                Err(Error::internal(BACKEND, error))
            }
        }
    }
}

/// Server error codes that mean "this server cannot serve now" rather than "this call is
/// wrong": out of memory, a script hogging it, a failed save, missing replicas. The driver
/// does not retry them, but for LiveDrop they are outages: the fallback must take over.
const OUTAGE_CODES: [&str; 5] = ["OOM", "BUSY", "MISCONF", "NOREPLICAS", "MASTERDOWN"];

/// Whether retrying later could succeed: the driver's classification, plus the outage
/// codes above.
fn is_transient(error: &RedisError) -> bool {
    error.is_timeout()
        || !matches!(error.retry_method(), RetryMethod::NoRetry)
        || error
            .code()
            .is_some_and(|code| OUTAGE_CODES.contains(&code))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn io_error() -> RedisError {
        RedisError::from(std::io::Error::from(std::io::ErrorKind::ConnectionRefused))
    }

    #[tokio::test]
    async fn an_outage_skips_calls_until_a_probe_succeeds() {
        let health = Health::new(Duration::from_millis(50));
        assert!(health.call(async { Ok::<_, RedisError>(1) }).await.is_ok());
        let failed = health.call(async { Err::<u8, _>(io_error()) }).await;
        assert!(matches!(failed, Err(Error::Unavailable { .. })));
        assert!(!health.is_up());

        // Inside the window the call is not even made.
        let skipped = health
            .call(async { panic!("a skipped call must not run") as Result<u8, RedisError> })
            .await;
        assert!(matches!(skipped, Err(Error::Unavailable { .. })));

        tokio::time::sleep(Duration::from_millis(60)).await;
        assert_eq!(
            health.call(async { Ok::<_, RedisError>(7) }).await.ok(),
            Some(7)
        );
        assert!(health.is_up());
    }

    #[tokio::test]
    async fn a_full_server_is_an_outage() {
        let health = Health::new(Duration::from_secs(60));
        // As the server sends it.
        let full = ::redis::parse_redis_value(b"-OOM command not allowed when used memory\r\n")
            .and_then(::redis::Value::extract_error)
            .expect_err("an error reply");
        let result = health.call(async { Err::<u8, _>(full) }).await;
        assert!(
            matches!(result, Err(Error::Unavailable { .. })),
            "{result:?}"
        );
        assert!(!health.is_up());
    }

    #[tokio::test]
    async fn a_wrong_command_is_internal_and_keeps_the_circuit_closed() {
        let health = Health::new(Duration::from_secs(60));
        let wrong = RedisError::from((::redis::ErrorKind::UnexpectedReturnType, "bad type"));
        let result = health.call(async { Err::<u8, _>(wrong) }).await;
        assert!(matches!(result, Err(Error::Internal { .. })));
        assert!(health.is_up());
        assert!(health.call(async { Ok::<_, RedisError>(()) }).await.is_ok());
    }
}
