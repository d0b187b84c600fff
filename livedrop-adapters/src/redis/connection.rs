//! One handle for a single Redis and for a Redis Cluster, so the adapters are written once.

use std::sync::Arc;

use ::redis::aio::{ConnectionLike, ConnectionManager};
use ::redis::cluster::ClusterClient;
use ::redis::cluster_async::ClusterConnection;
use ::redis::{Cmd, Pipeline, RedisFuture, Value};
use tokio::sync::OnceCell;

/// A cheap-to-clone, multiplexed connection to Redis: one server, or a cluster.
///
/// Both connect lazily, so a server starts on its fallbacks while Redis is down. The
/// cluster's connection routes each command by its keys' slot and follows the cluster's
/// redirections (`MOVED`, `ASK`) and failovers on its own; it is made on the first call
/// that needs it and, if that fails, on the next one.
#[derive(Clone)]
pub(crate) enum RedisConnection {
    Single(ConnectionManager),
    Cluster(Arc<LazyCluster>),
}

/// A cluster client and, once a call made it, its connection.
pub(crate) struct LazyCluster {
    client: ClusterClient,
    connection: OnceCell<ClusterConnection>,
}

impl LazyCluster {
    pub(crate) fn new(client: ClusterClient) -> Self {
        Self {
            client,
            connection: OnceCell::new(),
        }
    }

    async fn connection(&self) -> ::redis::RedisResult<ClusterConnection> {
        self.connection
            .get_or_try_init(|| self.client.get_async_connection())
            .await
            .cloned()
    }
}

impl RedisConnection {
    /// Whether keys of different slots must go in different commands (`CROSSSLOT`).
    pub(crate) fn is_cluster(&self) -> bool {
        matches!(self, Self::Cluster(_))
    }
}

impl std::fmt::Debug for RedisConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Single(_) => "RedisConnection::Single",
            Self::Cluster(_) => "RedisConnection::Cluster",
        })
    }
}

impl ConnectionLike for RedisConnection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Self::Single(conn) => conn.req_packed_command(cmd),
            Self::Cluster(cluster) => Box::pin(async move {
                let mut conn = cluster.connection().await?;
                conn.req_packed_command(cmd).await
            }),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Self::Single(conn) => conn.req_packed_commands(pipeline, offset, count),
            Self::Cluster(cluster) => Box::pin(async move {
                let mut conn = cluster.connection().await?;
                conn.req_packed_commands(pipeline, offset, count).await
            }),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Self::Single(conn) => conn.get_db(),
            // A cluster has database 0 only.
            Self::Cluster(_) => 0,
        }
    }
}
