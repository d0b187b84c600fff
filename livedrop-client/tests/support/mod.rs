//! What the client's integration tests share: a real server in process on a free port
//! (memory backend, cheap password hashing, media signed for its own address), signed-in
//! clients and catalog fixtures.
#![allow(dead_code)] // Each test binary uses the part it needs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod proxy;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use livedrop_adapters::media::{LocalMedia, UploadSigner};
use livedrop_adapters::memory::{MemoryBackend, MemoryConfig};
use livedrop_client::Client;
use livedrop_core::domain::Creator;
use livedrop_core::domain::{
    CurrencyCode, Description, DisplayName, Drop, Handle, PriceCents, Product, Title,
};
use livedrop_core::ports::{BucketPolicy, RateLimits};
use livedrop_core::wire::{CreateCreatorBody, CreateDropBody, CreateProductBody};
use livedrop_server::AppState;
use livedrop_server::auth::Passwords;
use livedrop_server::background::{Background, BackgroundConfig};

pub const PASSWORD: &str = "correct horse battery staple";

/// A server running for the rest of the test.
pub struct Server {
    pub base: String,
    pub state: AppState,
    /// The scheduler, relay and consumers, when started.
    pub background: Option<Background>,
}

/// Generous limits, so only the tests about rate limiting meet them.
pub fn roomy_limits() -> RateLimits {
    let roomy = BucketPolicy::per_second(10_000, 10_000);
    RateLimits {
        read: roomy,
        order: roomy,
        auth: roomy,
        upload: roomy,
    }
}

/// Starts a server with `limits`, and its background loops when `background`.
pub async fn start(limits: RateLimits, background: bool) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let ports = MemoryBackend::new(MemoryConfig {
        rate_limits: limits,
        ..MemoryConfig::default()
    })
    .ports();
    // Uploads go to this server's own /media routes, so the store signs for its address.
    let media = Arc::new(LocalMedia::in_memory(&base, UploadSigner::random()));
    let state = AppState::builder(media.ports(ports))
        .passwords(Passwords::for_tests())
        .build();
    let background = background.then(|| {
        Background::spawn(
            &state,
            BackgroundConfig {
                scheduler_every: Duration::from_millis(50),
                ..BackgroundConfig::default()
            },
        )
    });
    tokio::spawn(livedrop_server::run(
        listener,
        state.clone(),
        std::future::pending(),
    ));
    Server {
        base,
        state,
        background,
    }
}

/// A client of `base` with quick retries.
pub fn client(base: &str) -> Client {
    Client::builder()
        .base_url(base)
        .retry_base_delay(Duration::from_millis(20))
        .build()
        .unwrap()
}

/// A unique email.
pub fn email(name: &str) -> String {
    format!("{name}-{}@example.com", uuid::Uuid::new_v4().simple())
}

/// The token of the last confirmation link `server` mailed to `email`.
pub fn confirmation_token(server: &Server, email: &str) -> String {
    let to = livedrop_core::domain::Email::try_from(email).unwrap();
    let mail = server
        .state
        .mailbox()
        .expect("the test server keeps its mail in memory")
        .last_to(&to)
        .expect("a message to the address");
    livedrop_core::services::confirmation_token(&mail.text)
        .expect("a confirmation link")
        .to_owned()
}

/// Registers `email` through `client`, as its owner would: the request, the mailed link,
/// the confirmation with [`PASSWORD`].
pub async fn register(
    client: &Client,
    server: &Server,
    email: &str,
    name: &str,
) -> livedrop_client::Result<livedrop_core::wire::Registered> {
    client.auth().register(email, name).await?;
    let token = confirmation_token(server, email);
    client.auth().confirm_registration(&token, PASSWORD).await
}

/// A new client of `server`, registered and signed in.
pub async fn signed_up(server: &Server, name: &str) -> Client {
    let client = client(&server.base);
    register(&client, server, &email(name), name).await.unwrap();
    client
}

/// The caller becomes a creator with a unique handle.
pub async fn creator(client: &Client) -> Creator {
    let handle = format!("c{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    client
        .creators()
        .create(&CreateCreatorBody {
            display_name: DisplayName::try_from("The Maker").unwrap(),
            handle: Handle::try_from(handle.as_str()).unwrap(),
        })
        .await
        .unwrap()
}

pub fn product_body(creator: &Creator, title: &str) -> CreateProductBody {
    CreateProductBody {
        creator_id: creator.id,
        title: Title::try_from(title).unwrap(),
        description: Description::try_from("One run only").unwrap(),
        price_cents: PriceCents::try_from(12_000).unwrap(),
        currency_code: CurrencyCode::try_from("EUR").unwrap(),
    }
}

pub async fn product(client: &Client, creator: &Creator) -> Product {
    client
        .products()
        .create(&product_body(creator, "Limited Sneaker"))
        .await
        .unwrap()
}

pub fn drop_body(product: &Product, start: DateTime<Utc>, stock: i64) -> CreateDropBody {
    CreateDropBody {
        product_id: product.id,
        start_at: start,
        end_at: start + TimeDelta::hours(1),
        initial_stock: stock,
        low_stock_threshold: 1,
        max_per_user: None,
    }
}

/// A drop of `product` with `stock` units that the scheduler makes live in about 300 ms.
pub async fn live_drop(
    server: &Server,
    client: &Client,
    product: &Product,
    stock: i64,
    max_per_user: Option<i64>,
) -> Drop {
    let start = Utc::now() + TimeDelta::milliseconds(300);
    let drop = client
        .drops()
        .create(&CreateDropBody {
            max_per_user,
            ..drop_body(product, start, stock)
        })
        .await
        .unwrap();
    wait_live(server, client, &drop).await;
    drop
}

/// Waits until `drop` is live, ticking the scheduler when the background loops are off.
pub async fn wait_live(server: &Server, client: &Client, drop: &Drop) {
    for _ in 0..200 {
        if server.background.is_none() {
            server.state.scheduler().tick().await.unwrap();
        }
        let view = client.drops().get(drop.id).await.unwrap();
        if view.drop.status == livedrop_core::domain::DropStatus::Live {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("drop {} never went live", drop.id);
}

/// Reads `stream` in a task of its own into a channel.
pub fn spawn_stream<T: Send + 'static>(
    stream: impl futures_util::Stream<Item = T> + Send + 'static,
) -> tokio::sync::mpsc::UnboundedReceiver<T> {
    use futures_util::StreamExt;
    let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut stream = std::pin::pin!(stream);
        while let Some(item) = stream.next().await {
            if sender.send(item).is_err() {
                return;
            }
        }
    });
    receiver
}
