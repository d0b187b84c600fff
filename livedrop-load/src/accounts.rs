//! Accounts: a client per simulated person, each from its own loopback address, and
//! sign-ups (through the mailed link) that wait out the server's per-address limit.
//!
//! Sign-ups are rate limited per address (the `auth` class: 10 burst, one per 6 s), so
//! buyers coming from 127.0.0.2, 127.0.0.3, ... (Linux routes all of 127.0.0.0/8 to the
//! loopback) sign up at the server's pace rather than the limit's; orders are limited per
//! user, whatever the address.

use std::net::{IpAddr, Ipv4Addr};

use futures_util::{StreamExt, TryStreamExt, stream};
use indicatif::ProgressBar;
use livedrop_client::{
    ApiErrorKind, Client, ClientError, DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT,
};

use crate::{Error, PipelineConfig};

/// Every account's password (the server wants 8 to 128 characters).
const PASSWORD: &str = "livedrop-load-password";

/// A client of `base_url` sending from `address` (the OS's choice when `None`), repeating
/// failed calls up to `retries` times.
///
/// Buyers get no retries: an order the client repeated would hide a `429` or a `5xx`
/// and fold the repeat's wait into the latency, and the load is open loop anyway.
///
/// # Errors
/// A bad base URL, or an HTTP client that cannot be built.
pub fn client(base_url: &str, address: Option<IpAddr>, retries: usize) -> Result<Client, Error> {
    // A client of our own (for the address) gets none of the builder's defaults, so set
    // them again: the read timeout is what makes a silent event stream reconnect.
    let http = reqwest::Client::builder()
        .local_address(address)
        .connect_timeout(DEFAULT_CONNECT_TIMEOUT)
        .read_timeout(DEFAULT_READ_TIMEOUT)
        .user_agent(concat!("livedrop-load/", env!("CARGO_PKG_VERSION")))
        .build()?;
    Ok(Client::builder()
        .base_url(base_url)
        .http_client(http)
        .max_retries(retries)
        .build()?)
}

/// 127.0.0.2, 127.0.0.3, ... for buyer 0, 1, ... (127.0.0.1 is the seller's).
pub fn buyer_address(i: usize) -> IpAddr {
    let n = u32::try_from(i).unwrap_or(u32::MAX).saturating_add(2);
    let [_, b, c, d] = n.to_be_bytes();
    IpAddr::V4(Ipv4Addr::new(127, b, c, d))
}

/// Registers `email` as a person would: asks for the link, takes it from the server's
/// mail ([`confirmations`](crate::confirmations)), and confirms with the password, which
/// signs the client in. The client never repeats these calls (a confirmation answered but
/// lost would find its account made), so a `429` is waited out here.
///
/// # Errors
/// Any refusal but `429`, or no link in the mail.
pub async fn sign_up(client: &Client, email: &str, name: &str) -> Result<(), Error> {
    waiting_out_429(|| client.auth().register(email, name)).await?;
    let token = crate::confirmations::shared().take(email).await?;
    waiting_out_429(|| client.auth().confirm_registration(&token, PASSWORD)).await?;
    Ok(())
}

/// `call`'s answer, repeated after each `429`'s `Retry-After`.
async fn waiting_out_429<T, F, Fut>(call: F) -> Result<T, ClientError>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<T, ClientError>>,
{
    loop {
        match call().await {
            Ok(answer) => return Ok(answer),
            Err(error) => match error.kind() {
                Some(ApiErrorKind::RateLimited { retry_after }) => {
                    tokio::time::sleep(retry_after).await;
                }
                _ => return Err(error),
            },
        }
    }
}

/// `config.buyers` signed-up buyers, in order (buyer `i` sends from
/// [`buyer_address`]`(i)`), `signup_concurrency` at a time; `bar` counts them.
///
/// # Errors
/// The first sign-up that fails for another reason than the rate limit.
pub async fn sign_up_buyers(
    config: &PipelineConfig,
    run: &str,
    bar: &ProgressBar,
) -> Result<Vec<Client>, Error> {
    stream::iter(0..config.buyers)
        .map(|i| async move {
            let address = (!config.one_address).then(|| buyer_address(i));
            let buyer = client(&config.base_url, address, 0)?;
            sign_up(
                &buyer,
                &format!("load-buyer{i}-{run}@example.com"),
                "Load Buyer",
            )
            .await?;
            bar.inc(1);
            Ok::<_, Error>(buyer)
        })
        .buffered(config.signup_concurrency)
        .try_collect()
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buyer_addresses_skip_the_sellers_and_carry_over() {
        assert_eq!(buyer_address(0).to_string(), "127.0.0.2");
        assert_eq!(buyer_address(253).to_string(), "127.0.0.255");
        assert_eq!(buyer_address(254).to_string(), "127.0.1.0");
    }
}
