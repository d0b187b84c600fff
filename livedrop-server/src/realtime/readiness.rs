//! The hub as a readiness probe: a node is not ready to serve event streams until its hub
//! reads the bus, nor once it is shutting down.

use async_trait::async_trait;

use super::hub::Hub;
use crate::readiness::ReadinessProbe;

#[async_trait]
impl ReadinessProbe for Hub {
    fn name(&self) -> &'static str {
        "realtime"
    }

    async fn check(&self) -> livedrop_core::Result<()> {
        if self.is_ready() {
            Ok(())
        } else {
            Err(livedrop_core::Error::unavailable(
                "realtime",
                "the hub does not read the bus yet, or is shutting down",
            ))
        }
    }
}
