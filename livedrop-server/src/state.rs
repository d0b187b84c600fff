//! [`AppState`]: the core services every handler shares, built on one backend's ports.

use std::{sync::Arc, time::Duration};

use livedrop_adapters::memory::MemoryMailbox;
use livedrop_core::clock::{Clock, SystemClock};
use livedrop_core::ports::{CacheTtls, Mailer, Ports};
use livedrop_core::services::{
    AppUrl, BrowseService, CacheInvalidator, CachedReads, CatalogService, EventHandler,
    FollowService, InboxService, InboxWriter, MediaService, OrderService, Relay, Scheduler,
    SessionService,
};

use crate::auth::{JwtSecret, Passwords, RecordingCredentials, TokenKeys};
use crate::client_addr::TrustedProxies;
use crate::cors::CorsOrigins;
use crate::readiness::ReadinessProbe;
use crate::realtime::{CloseReason, Hub, HubConfig, Streams};

/// Drops the scheduler asks the ledger for per round trip.
pub const SCHEDULER_BATCH: usize = 100;
/// Events the relay moves per round trip.
pub const RELAY_BATCH: usize = 2048;
/// How long the relay holds a claimed batch before another relay may take it over. Longer
/// than a publish can take (the Kafka bus's `delivery_timeout`, 30 s by default, twice over
/// with a full send queue), so a slow relay is not raced by a second one sending the same
/// events; it is also how long a crashed relay's batch waits.
pub const RELAY_LEASE: Duration = Duration::from_secs(90);

/// The server's shared state: one backend's [`Ports`] (trait objects, chosen at run
/// time) and the core services built on them. Handlers call the services; the ports are
/// here for the background loops and the rate-limit layer. Cloning is one `Arc` clone.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    ports: Ports,
    catalog: CatalogService,
    orders: OrderService,
    sessions: SessionService,
    browse: BrowseService,
    follows: FollowService,
    inbox: InboxService,
    media: MediaService,
    scheduler: Scheduler,
    relay: Relay,
    reads: CachedReads,
    handlers: Vec<Arc<dyn EventHandler>>,
    probes: Vec<Arc<dyn ReadinessProbe>>,
    tokens: TokenKeys,
    clock: Arc<dyn Clock>,
    streams: Streams,
    rate_limited: bool,
    trusted_proxies: TrustedProxies,
    http: HttpSettings,
    mailbox: Option<MemoryMailbox>,
}

/// What the router puts around every route: the request timeout and CORS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct HttpSettings {
    pub(crate) request_timeout: Duration,
    pub(crate) cors: CorsOrigins,
    /// `/metrics` is served by [`metrics_router`](crate::metrics_router) on a listener of
    /// its own, not by the API's router.
    pub(crate) metrics_elsewhere: bool,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(10),
            cors: CorsOrigins::default(),
            metrics_elsewhere: false,
        }
    }
}

impl AppState {
    /// The state over `ports`, on the wall clock, with no readiness probes.
    pub fn new(ports: Ports) -> Self {
        Self::builder(ports).build()
    }

    /// A builder, to choose the clock or add readiness probes.
    pub fn builder(ports: Ports) -> AppStateBuilder {
        AppStateBuilder {
            ports,
            clock: Arc::new(SystemClock),
            probes: Vec::new(),
            secret: None,
            passwords: Passwords::default(),
            extra_handlers: Vec::new(),
            hub: HubConfig::default(),
            rate_limited: true,
            trusted_proxies: TrustedProxies::default(),
            http: HttpSettings::default(),
            mailer: None,
            app_url: AppUrl::try_from(DEFAULT_APP_URL)
                .unwrap_or_else(|_| unreachable!("the default app URL is valid")),
        }
    }

    /// The memory mailbox the registration messages go to when the state was built
    /// without a [`mailer`](AppStateBuilder::mailer): how an embedder or a test reads the
    /// confirmation links. `None` when they go to a mailer of the builder's.
    pub fn mailbox(&self) -> Option<&MemoryMailbox> {
        self.0.mailbox.as_ref()
    }

    /// The ports the services run on: for the background loops, the rate-limit layer and
    /// tests. Handlers go through the services.
    pub fn ports(&self) -> &Ports {
        &self.0.ports
    }

    /// Users, creators, products and drops.
    pub fn catalog(&self) -> &CatalogService {
        &self.0.catalog
    }

    /// Placing, cancelling and reading orders.
    pub fn orders(&self) -> &OrderService {
        &self.0.orders
    }

    /// Registration, sign-in, refresh, logout and realtime tokens.
    pub fn sessions(&self) -> &SessionService {
        &self.0.sessions
    }

    /// Inbox pages and live feeds.
    pub fn inbox(&self) -> &InboxService {
        &self.0.inbox
    }

    /// Uploads and images, when this server hosts them.
    pub fn media(&self) -> &MediaService {
        &self.0.media
    }

    /// Paginated lists.
    pub fn browse(&self) -> &BrowseService {
        &self.0.browse
    }

    /// Follow and unfollow.
    pub fn follows(&self) -> &FollowService {
        &self.0.follows
    }

    /// The drop scheduler (run by [`background`](crate::background)).
    pub fn scheduler(&self) -> &Scheduler {
        &self.0.scheduler
    }

    /// The outbox relay (run by [`background`](crate::background)).
    pub fn relay(&self) -> &Relay {
        &self.0.relay
    }

    /// Catalog and stock reads through the cache.
    pub fn reads(&self) -> &CachedReads {
        &self.0.reads
    }

    /// The event consumers' handlers (each run by [`background`](crate::background) in
    /// its own consumer group): the cache invalidator and the inbox writer.
    pub fn handlers(&self) -> &[Arc<dyn EventHandler>] {
        &self.0.handlers
    }

    /// Checks access and realtime tokens (the sessions service signs them).
    pub fn tokens(&self) -> &TokenKeys {
        &self.0.tokens
    }

    /// The clock the services run on.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.0.clock
    }

    /// The event streams: users' and drops', on this node's realtime hub.
    pub fn streams(&self) -> &Streams {
        &self.0.streams
    }

    /// Tells every event stream to end with a resumable `reconnect`, and refuses new ones
    /// (the server is shutting down).
    pub fn close_streams(&self) {
        self.0.streams.hub().close_all(CloseReason::ShuttingDown);
    }

    /// Whether routes are rate limited (see [`AppStateBuilder::without_rate_limits`]).
    pub fn rate_limited(&self) -> bool {
        self.0.rate_limited
    }

    /// The proxies whose forwarded client addresses are believed.
    pub fn trusted_proxies(&self) -> &TrustedProxies {
        &self.0.trusted_proxies
    }

    /// The request timeout and CORS origins the router applies.
    pub(crate) fn http(&self) -> &HttpSettings {
        &self.0.http
    }

    /// What `GET /readyz` checks.
    pub fn probes(&self) -> &[Arc<dyn ReadinessProbe>] {
        &self.0.probes
    }
}

/// Builds an [`AppState`]; see [`AppState::builder`].
#[derive(Debug)]
#[must_use]
pub struct AppStateBuilder {
    ports: Ports,
    clock: Arc<dyn Clock>,
    probes: Vec<Arc<dyn ReadinessProbe>>,
    secret: Option<JwtSecret>,
    passwords: Passwords,
    extra_handlers: Vec<Arc<dyn EventHandler>>,
    hub: HubConfig,
    rate_limited: bool,
    trusted_proxies: TrustedProxies,
    http: HttpSettings,
    mailer: Option<Arc<dyn Mailer>>,
    app_url: AppUrl,
}

/// Where the web app is said to live when the builder is not told: the server's own
/// default address.
const DEFAULT_APP_URL: &str = "http://127.0.0.1:8080";

impl AppStateBuilder {
    /// Sends the registration messages through `mailer` (default: a memory mailbox,
    /// readable through [`AppState::mailbox`]).
    pub fn mailer(mut self, mailer: Arc<dyn Mailer>) -> Self {
        self.mailer = Some(mailer);
        self
    }

    /// Points the messages' links at the web app at `url` (default
    /// `http://127.0.0.1:8080`).
    pub fn app_url(mut self, url: AppUrl) -> Self {
        self.app_url = url;
        self
    }

    /// Serves every route without rate limits (no bucket is taken, no `RateLimit-*`
    /// header is sent): for load tests, which would otherwise measure the limiter's
    /// refusals. Never in production: the limits are what keeps one caller from starving
    /// the rest.
    pub fn without_rate_limits(mut self) -> Self {
        self.rate_limited = false;
        self
    }

    /// Believes the client address that `proxies` forward (`Forwarded`,
    /// `X-Forwarded-For`); from any other peer those headers are ignored.
    pub fn trusted_proxies(mut self, proxies: TrustedProxies) -> Self {
        self.trusted_proxies = proxies;
        self
    }

    /// Answers `503 timed_out` when a handler has not answered within `timeout` (default
    /// 10 s); event streams, which answer at once, are not cut by it.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.http.request_timeout = timeout;
        self
    }

    /// Lets browser apps on `origins` call the API (CORS; none by default).
    pub fn cors_origins(mut self, origins: CorsOrigins) -> Self {
        self.http.cors = origins;
        self
    }

    /// Leaves `GET /metrics` out of [`router`](crate::router), for a caller that serves
    /// [`metrics_router`](crate::metrics_router) on a listener of its own (one the public
    /// cannot reach).
    pub fn metrics_elsewhere(mut self) -> Self {
        self.http.metrics_elsewhere = true;
        self
    }

    /// Runs the realtime hub with `config` (its caps, queue sizes and window).
    pub fn hub(mut self, config: HubConfig) -> Self {
        self.hub = config;
        self
    }

    /// Adds an event consumer of the embedder's own beside the inbox writer and the cache
    /// invalidator: [`background`](crate::background) runs it in its own consumer group
    /// (`handler.group()`), so it sees every event, and its lag is reported like theirs.
    pub fn handler(mut self, handler: Arc<dyn EventHandler>) -> Self {
        self.extra_handlers.push(handler);
        self
    }

    /// Signs tokens with `secret` (instances sharing users need the same one). Without
    /// one, a random secret: tokens die with the process.
    pub fn jwt_secret(mut self, secret: JwtSecret) -> Self {
        self.secret = Some(secret);
        self
    }

    /// Hashes new passwords with `passwords` (default: [`Passwords::owasp`]); tests use
    /// [`Passwords::for_tests`] to keep each hash cheap.
    pub fn passwords(mut self, passwords: Passwords) -> Self {
        self.passwords = passwords;
        self
    }

    /// Uses `clock` instead of the wall clock (tests use a manual one).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Adds a backend `GET /readyz` must reach.
    pub fn probe(mut self, probe: Arc<dyn ReadinessProbe>) -> Self {
        self.probes.push(probe);
        self
    }

    /// The state, with every service built on the ports.
    pub fn build(self) -> AppState {
        let Self {
            ports,
            clock,
            probes,
            secret,
            passwords,
            extra_handlers,
            hub,
            rate_limited,
            trusted_proxies,
            http,
            mailer,
            app_url,
        } = self;
        let mailbox = mailer.is_none().then(MemoryMailbox::new);
        let mailer = mailer.unwrap_or_else(|| Arc::new(mailbox.clone().unwrap_or_default()));
        let tokens = TokenKeys::new(&secret.unwrap_or_else(JwtSecret::random));
        // Install the recorder before anything (the background loops) records.
        crate::telemetry::prometheus();
        let ports = Ports {
            follows: Arc::new(crate::follow_metrics::TimedFollowStore(ports.follows)),
            // This node refuses a revoked sign-in's tokens from the next request on.
            credentials: Arc::new(RecordingCredentials::new(
                ports.credentials,
                tokens.revoked().clone(),
            )),
            ..ports
        };
        let reads = CachedReads::new(
            ports.cache.clone(),
            ports.catalog.clone(),
            ports.ledger.clone(),
            CacheTtls::default(),
        );
        let mut handlers: Vec<Arc<dyn EventHandler>> = vec![
            Arc::new(CacheInvalidator::new(reads.clone())),
            Arc::new(InboxWriter::new(ports.notifier.clone())),
        ];
        handlers.extend(extra_handlers);
        let catalog = CatalogService::new(
            ports.catalog.clone(),
            ports.ledger.clone(),
            ports.media.clone(),
            ports.rate_limiter.clone(),
            clock.clone(),
        );
        let follows = FollowService::new(ports.follows.clone(), clock.clone());
        let hub = Hub::new(hub);
        let mut probes = probes;
        probes.push(Arc::new(hub.clone()));
        AppState(Arc::new(Inner {
            streams: Streams::new(hub, follows.clone(), catalog.clone()),
            catalog,
            sessions: SessionService::new(
                ports.catalog.clone(),
                ports.credentials.clone(),
                Arc::new(passwords),
                Arc::new(tokens.clone()),
                mailer,
                app_url,
                clock.clone(),
            ),
            inbox: InboxService::new(ports.notifier.clone(), clock.clone()),
            media: MediaService::new(ports.media.clone(), ports.media_host.clone(), clock.clone()),
            orders: OrderService::new(
                ports.ledger.clone(),
                ports.idempotency.clone(),
                clock.clone(),
            ),
            browse: BrowseService::new(ports.catalog.clone(), ports.follows.clone(), reads.clone()),
            follows,
            scheduler: Scheduler::new(ports.ledger.clone(), clock.clone(), SCHEDULER_BATCH),
            relay: Relay::new(
                ports.outbox.clone(),
                ports.bus.clone(),
                RELAY_BATCH,
                RELAY_LEASE,
            ),
            reads,
            handlers,
            ports,
            probes,
            tokens,
            clock,
            rate_limited,
            trusted_proxies,
            http,
            mailbox,
        }))
    }
}
