//! A Redis Cluster of six nodes (three primaries, each with a replica): the one named by
//! `LIVEDROP_TEST_REDIS_CLUSTER_URL` (its nodes, comma-separated; `.ci/run` starts one),
//! else one this test process starts on spare ports, which goes away with the process.

use std::net::TcpListener;
use std::process::{ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use livedrop_adapters::redis::{RedisBackend, RedisConfig};

const URL_VARIABLE: &str = "LIVEDROP_TEST_REDIS_CLUSTER_URL";
const NODES: usize = 6;
/// Longest wait for the nodes to listen, and then to agree the cluster is whole.
const WAIT: Duration = Duration::from_secs(30);

/// The cluster this process started, if it started one: its URL list, and the pipes
/// whose closing (when the process exits, however it exits) stops its nodes.
static OWN: OnceLock<Result<(String, Vec<ChildStdin>), String>> = OnceLock::new();

/// The cluster's node URLs, comma-separated, or why there is none.
pub fn cluster_url() -> Result<String, String> {
    if let Ok(url) = std::env::var(URL_VARIABLE) {
        return Ok(url);
    }
    OWN.get_or_init(start)
        .as_ref()
        .map(|(url, _)| url.clone())
        .map_err(Clone::clone)
}

/// Settings for a backend on the cluster under a key prefix of the test's own.
pub fn config(url: String) -> RedisConfig {
    RedisConfig {
        cluster: true,
        ..super::redis::config(url)
    }
}

/// The memory backend's ports with the cluster's idempotency store, rate limiter and cache.
pub async fn ports() -> Option<livedrop_core::ports::Ports> {
    Some(backend().await?.ports(super::memory_ports()))
}

/// A backend on the cluster that answered a PING (every primary), or `None` (after saying
/// why) when there is no cluster here.
pub async fn backend() -> Option<RedisBackend> {
    Some(backend_and_prefix().await?.0)
}

/// The same, and the key prefix it writes under.
pub async fn backend_and_prefix() -> Option<(RedisBackend, String)> {
    let url = match cluster_url() {
        Ok(url) => url,
        Err(why) => {
            super::missing("Redis Cluster", &why);
            return None;
        }
    };
    let config = config(url.clone());
    let prefix = config.key_prefix.clone();
    let backend = RedisBackend::new(config).expect("valid cluster URLs");
    if let Err(error) = backend.ping().await {
        panic!("the Redis Cluster at {url} does not answer: {error}");
    }
    Some((backend, prefix))
}

fn start() -> Result<(String, Vec<ChildStdin>), String> {
    for tool in ["redis-server", "redis-cli"] {
        if Command::new(tool)
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_err()
        {
            return Err(format!(
                "{URL_VARIABLE} is not set and {tool} is not on PATH to start one"
            ));
        }
    }
    let dir = std::env::temp_dir().join(format!("livedrop-redis-cluster-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let ports = spare_ports();
    let mut lifelines = Vec::with_capacity(NODES);
    for port in &ports {
        // A shell per node holds its redis-server until the pipe on its input closes:
        // the test process has no destructor for statics, but its exit closes the pipe.
        let mut node = Command::new("sh")
            .arg("-c")
            .arg(r#"dir=$1; shift; redis-server "$@" & server=$!; read _; kill $server; wait $server; rm -rf "$dir""#)
            .arg("sh")
            .arg(&dir)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--cluster-enabled", "yes", "--cluster-config-file"])
            .arg(dir.join(format!("nodes-{port}.conf")))
            .arg("--dir")
            .arg(&dir)
            .args(["--save", "", "--appendonly", "no"])
            .stdin(Stdio::piped())
            // Nothing of the node's may hold the test's own output open past the test.
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start redis-server: {e}"))?;
        lifelines.push(node.stdin.take().expect("a piped stdin"));
    }
    for &port in &ports {
        super::wait_until("a node to listen", WAIT, || super::listening(port))?;
    }
    let nodes: Vec<String> = ports
        .iter()
        .map(|port| format!("127.0.0.1:{port}"))
        .collect();
    let created = Command::new("redis-cli")
        .args(["--cluster", "create"])
        .args(&nodes)
        .args(["--cluster-replicas", "1", "--cluster-yes"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run redis-cli --cluster create: {e}"))?;
    if !created.status.success() {
        return Err(format!(
            "redis-cli --cluster create failed: {}",
            String::from_utf8_lossy(&created.stderr)
        ));
    }
    // Every node must agree the cluster is whole before a test relies on it.
    for &port in &ports {
        super::wait_until("every node to see the cluster whole", WAIT, || {
            cluster_is_ok(port)
        })?;
    }
    let url = nodes
        .iter()
        .map(|node| format!("redis://{node}"))
        .collect::<Vec<_>>()
        .join(",");
    Ok((url, lifelines))
}

/// Six ports free now, each with its cluster bus port (the port + 10000) free too.
fn spare_ports() -> Vec<u16> {
    let mut ports = Vec::with_capacity(NODES);
    while ports.len() < NODES {
        let port = super::spare_port();
        let Some(bus) = port.checked_add(10_000) else {
            continue;
        };
        if !ports.contains(&port) && TcpListener::bind(("127.0.0.1", bus)).is_ok() {
            ports.push(port);
        }
    }
    ports
}

fn cluster_is_ok(port: u16) -> bool {
    Command::new("redis-cli")
        .args(["-p", &port.to_string(), "cluster", "info"])
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).contains("cluster_state:ok"))
}
