//! Settings of the Kafka event bus.

use std::time::Duration;

use rdkafka::ClientConfig;

/// Where the bus lives and how patient it is.
#[derive(Clone, Debug)]
pub struct KafkaConfig {
    /// Bootstrap brokers, `host:port[,host:port...]`.
    pub brokers: String,
    /// The topic every event goes to.
    pub topic: String,
    /// Partitions of the topic when the bus creates it: the most members of one group
    /// that can consume at once.
    pub partitions: i32,
    /// Replicas of each partition when the bus creates the topic.
    pub replication: i32,
    /// Prepended to every group name, so deployments sharing a cluster keep apart.
    pub group_prefix: String,
    /// How long a silent group member keeps its partitions (`session.timeout.ms`). A
    /// joining member waits about half of it for the group to settle, so tests use less.
    pub session_timeout: Duration,
    /// How often a member tells the group it is alive (`heartbeat.interval.ms`); it also
    /// bounds how soon a member notices a rebalance. At most a third of the session.
    pub heartbeat_interval: Duration,
    /// Longest `publish` waits for the brokers to acknowledge (`message.timeout.ms`).
    pub delivery_timeout: Duration,
    /// Longest an admin or commit request waits for an answer.
    pub request_timeout: Duration,
    /// Longest `subscribe` waits for the group to hand the new member its partitions.
    pub join_timeout: Duration,
    /// Deliveries a member holds ahead of its consumer. Past it the member polls the
    /// brokers' client only now and then (librdkafka keeps prefetching, up to 16 MiB), so a
    /// consumer slower than the brokers reads on without a fetch round trip; past twice it
    /// pauses fetching.
    pub buffered_deliveries: usize,
    /// Longest a fetch waits at the broker for new events (`fetch.wait.max.ms`). Brokers
    /// should answer as soon as an event arrives, but some (tansu) hold every fetch this
    /// long, which then bounds the delivery latency from below; short waits cost one
    /// small request per wait per idle member.
    pub fetch_wait: Duration,
    /// librdkafka properties of the operator's own (`security.protocol`, `sasl.*`,
    /// `ssl.*`, tuning), set on every client last, so they override the bus's choices.
    /// What needs a library feature this build lacks fails when the bus connects.
    pub properties: Vec<(String, String)>,
}

impl KafkaConfig {
    /// Defaults for `brokers`: topic `livedrop.events` with 6 partitions, replication 1
    /// (raise it on a real cluster), groups prefixed `livedrop.`.
    pub fn new(brokers: impl Into<String>) -> Self {
        Self {
            brokers: brokers.into(),
            topic: "livedrop.events".to_owned(),
            partitions: 6,
            replication: 1,
            group_prefix: "livedrop.".to_owned(),
            session_timeout: Duration::from_secs(10),
            heartbeat_interval: Duration::from_secs(1),
            delivery_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(10),
            join_timeout: Duration::from_secs(30),
            buffered_deliveries: 2_048,
            fetch_wait: Duration::from_millis(10),
            properties: Vec::new(),
        }
    }

    /// An admin client's settings.
    pub(super) fn client(&self) -> ClientConfig {
        self.with_properties(self.common())
    }

    /// `config` with the operator's [`properties`](Self::properties) set last.
    fn with_properties(&self, mut config: ClientConfig) -> ClientConfig {
        for (key, value) in &self.properties {
            config.set(key, value);
        }
        config
    }

    /// The settings every client of the bus shares.
    fn common(&self) -> ClientConfig {
        let mut config = ClientConfig::new();
        config
            .set("bootstrap.servers", &self.brokers)
            .set("client.id", "livedrop")
            .set("socket.timeout.ms", millis(self.request_timeout));
        config
    }

    /// A producer that never duplicates nor reorders on retries (`enable.idempotence`,
    /// which implies `acks=all`: an event is acknowledged once every in-sync replica has
    /// it) and partitions keys as the Java client does (`murmur2_random`), so other
    /// producers of the same keys agree on partitions.
    pub(super) fn producer(&self) -> ClientConfig {
        let mut config = self.common();
        config
            .set("enable.idempotence", "true")
            .set("acks", "all")
            .set("partitioner", "murmur2_random")
            .set("message.timeout.ms", millis(self.delivery_timeout))
            // Publishes are small bursts a caller waits for: send at once.
            .set("linger.ms", "1");
        self.with_properties(config)
    }

    /// A member of group `group`, committing only what its consumer processed.
    pub(super) fn consumer(&self, group: &str) -> ClientConfig {
        let mut config = self.common();
        config
            .set("group.id", format!("{}{group}", self.group_prefix))
            // Commits come from `EventSubscription::commit`, after processing: at least
            // once. Neither timed commits nor automatic offset stores.
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            // A group with no commits yet starts at the oldest retained event, so it
            // misses nothing published after (or shortly before) it first subscribed.
            .set("auto.offset.reset", "earliest")
            .set("session.timeout.ms", millis(self.session_timeout))
            .set("heartbeat.interval.ms", millis(self.heartbeat_interval))
            .set("enable.partition.eof", "false")
            .set("fetch.wait.max.ms", millis(self.fetch_wait))
            // librdkafka waits this long before fetching again once its local queue is
            // past its thresholds (default 1 s, which read a backlog about a buffer a
            // second).
            .set("fetch.queue.backoff.ms", millis(self.fetch_wait))
            // What librdkafka prefetches per member while the member's own buffer is full
            // (16 MiB rather than 64): the bound on a slow member's memory.
            .set("queued.max.messages.kbytes", "16384");
        self.with_properties(config)
    }

    /// A tail's consumer: assigned every partition by hand and never subscribed, so it
    /// joins no group. librdkafka assigns only for a consumer with a `group.id`, so it gets
    /// a throwaway one of its own (`{group_prefix}tail.{uuid}`) that no member ever joins
    /// and under which nothing is committed: no automatic commits nor offset stores, and a
    /// tail never commits. It reports each partition's end (`enable.partition.eof`), which
    /// is how the tail learns where it starts.
    pub(super) fn tail(&self) -> ClientConfig {
        let mut config = self.common();
        let throwaway = uuid::Uuid::new_v4().simple();
        config
            .set("group.id", format!("{}tail.{throwaway}", self.group_prefix))
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            // Only where a tail fell further behind than the retention: it reads on from the
            // oldest event left rather than skip to the end.
            .set("auto.offset.reset", "earliest")
            .set("enable.partition.eof", "true")
            .set("fetch.wait.max.ms", millis(self.fetch_wait))
            .set("fetch.queue.backoff.ms", millis(self.fetch_wait))
            .set("queued.max.messages.kbytes", "16384");
        self.with_properties(config)
    }
}

fn millis(duration: Duration) -> String {
    duration.as_millis().max(1).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_operators_properties_override_the_bus_choices_on_every_client() {
        let mut config = KafkaConfig::new("broker:9092");
        config.properties = vec![
            ("fetch.wait.max.ms".to_owned(), "250".to_owned()),
            ("security.protocol".to_owned(), "SASL_SSL".to_owned()),
        ];
        let consumer = config.consumer("g");
        assert_eq!(consumer.get("fetch.wait.max.ms"), Some("250"));
        assert_eq!(consumer.get("group.id"), Some("livedrop.g"));
        for client in [config.client(), config.producer(), config.tail(), consumer] {
            assert_eq!(client.get("security.protocol"), Some("SASL_SSL"));
        }
    }
}
