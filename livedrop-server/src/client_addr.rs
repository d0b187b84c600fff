//! Who the client is: the TCP peer, or, when the peer is a proxy the operator trusts, the
//! address that proxy forwarded.
//!
//! Behind a load balancer every request's peer is the balancer, so every anonymous caller
//! would share one rate-limit bucket. Forwarded headers are only believed from peers in
//! `--trusted-proxies`: anyone else could write any address there and mint buckets.
//!
//! The chain is read from the right (the hop closest to this server) leftwards, skipping
//! trusted proxies; the first address that is not one is the client. `Forwarded`
//! (RFC 7239) is read when present, else `X-Forwarded-For`. An entry that is not an
//! address (`unknown`, an obfuscated `_name`) ends the walk at the hop that wrote it.
//!
//! IPv6 clients are bucketed by their /64: one subscriber usually holds a whole /64 and
//! can pick any address in it.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::str::FromStr;

use axum::http::HeaderMap;
use axum::http::header::FORWARDED;
use ipnet::IpNet;

/// The proxies whose forwarded headers are believed (none by default).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Trusts `networks` (single addresses are /32 or /128 networks).
    pub fn new(networks: Vec<IpNet>) -> Self {
        Self(networks)
    }

    /// Whether `ip` is one of the trusted proxies.
    pub fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client of a request from `peer` with `headers`.
    pub fn client(&self, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = canonical(peer.ip());
        if !self.trusts(client) {
            return client;
        }
        let forwarded: Vec<Hop> = if headers.contains_key(FORWARDED) {
            forwarded_for(headers)
        } else {
            x_forwarded_for(headers)
        };
        for hop in forwarded.into_iter().rev() {
            match hop {
                Hop::Address(ip) => {
                    client = canonical(ip);
                    if !self.trusts(client) {
                        return client;
                    }
                }
                Hop::Opaque => return client,
            }
        }
        client
    }
}

impl FromStr for TrustedProxies {
    type Err = String;

    /// A comma-separated list of addresses and networks (`10.0.0.0/8, 127.0.0.1, fd00::/8`);
    /// empty for none.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(|item| {
                item.parse::<IpNet>()
                    .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("`{item}` is not an IP address or network (CIDR)"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }
}

/// The rate-limit bucket of a client address: the address itself for IPv4, its /64 for
/// IPv6.
pub fn bucket(ip: IpAddr) -> String {
    match canonical(ip) {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let [a, b, c, d, ..] = v6.segments();
            format!("{}/64", Ipv6Addr::new(a, b, c, d, 0, 0, 0, 0))
        }
    }
}

/// IPv4-mapped IPv6 addresses (`::ffff:192.0.2.1`, what a dual-stack socket reports) as
/// the IPv4 address they are.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

/// One entry of a forwarding chain.
#[derive(Debug, PartialEq, Eq)]
enum Hop {
    Address(IpAddr),
    /// `unknown`, an obfuscated identifier, or anything unreadable.
    Opaque,
}

/// The `for=` of every element of every `Forwarded` header, in order.
fn forwarded_for(headers: &HeaderMap) -> Vec<Hop> {
    headers
        .get_all(FORWARDED)
        .iter()
        .flat_map(|value| value.to_str().unwrap_or("").split(','))
        .map(|element| {
            element
                .split(';')
                .filter_map(|pair| pair.split_once('='))
                .find(|(name, _)| name.trim().eq_ignore_ascii_case("for"))
                .map_or(Hop::Opaque, |(_, value)| {
                    node(value.trim().trim_matches('"'))
                })
        })
        .collect()
}

/// A `Forwarded` node: `192.0.2.1`, `192.0.2.1:4711`, `[2001:db8::1]`, `[2001:db8::1]:4711`.
fn node(text: &str) -> Hop {
    let address = match text.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => text.split(':').next().unwrap_or(""),
    };
    address.parse().map_or(Hop::Opaque, Hop::Address)
}

/// Every address of every `X-Forwarded-For` header, in order.
fn x_forwarded_for(headers: &HeaderMap) -> Vec<Hop> {
    headers
        .get_all("x-forwarded-for")
        .iter()
        .flat_map(|value| value.to_str().unwrap_or("").split(','))
        .map(|item| {
            let item = item.trim();
            item.parse::<IpAddr>()
                .or_else(|_| item.parse::<SocketAddr>().map(|s| s.ip()))
                .map_or(Hop::Opaque, Hop::Address)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn peer(ip: &str) -> SocketAddr {
        SocketAddr::new(ip.parse().unwrap(), 40_000)
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn an_untrusted_peers_forwarded_headers_are_ignored() {
        let proxies: TrustedProxies = "10.0.0.0/8".parse().unwrap();
        let forged = headers(&[("x-forwarded-for", "203.0.113.9")]);
        assert_eq!(
            proxies.client(peer("198.51.100.7"), &forged),
            ip("198.51.100.7")
        );
        let none = TrustedProxies::default();
        assert_eq!(none.client(peer("10.1.1.1"), &forged), ip("10.1.1.1"));
    }

    #[test]
    fn the_client_is_the_first_untrusted_hop_from_the_right() {
        let proxies: TrustedProxies = "10.0.0.0/8, 192.0.2.10".parse().unwrap();
        // The leftmost entry was written by the client itself: never believed over the
        // hops a trusted proxy added.
        let chain = headers(&[("x-forwarded-for", "1.2.3.4, 203.0.113.9, 192.0.2.10")]);
        assert_eq!(proxies.client(peer("10.0.0.2"), &chain), ip("203.0.113.9"));
        let split = headers(&[
            ("x-forwarded-for", "1.2.3.4"),
            ("x-forwarded-for", "203.0.113.9:5555, 10.3.3.3"),
        ]);
        assert_eq!(proxies.client(peer("10.0.0.2"), &split), ip("203.0.113.9"));
        let all_trusted = headers(&[("x-forwarded-for", "10.9.9.9")]);
        assert_eq!(
            proxies.client(peer("10.0.0.2"), &all_trusted),
            ip("10.9.9.9")
        );
    }

    #[test]
    fn forwarded_is_read_before_x_forwarded_for() {
        let proxies: TrustedProxies = "127.0.0.1".parse().unwrap();
        let both = headers(&[
            (
                "forwarded",
                "for=198.51.100.1;proto=https, for=\"[2001:db8:cafe::17]:4711\"",
            ),
            ("x-forwarded-for", "203.0.113.9"),
        ]);
        assert_eq!(
            proxies.client(peer("127.0.0.1"), &both),
            ip("2001:db8:cafe::17")
        );
        let hidden = headers(&[("forwarded", "for=198.51.100.1, for=_gateway")]);
        assert_eq!(
            proxies.client(peer("127.0.0.1"), &hidden),
            ip("127.0.0.1"),
            "an opaque hop ends the walk at the proxy that wrote it"
        );
    }

    #[test]
    fn mapped_ipv4_peers_and_lists_match_as_ipv4() {
        let proxies: TrustedProxies = "127.0.0.0/8".parse().unwrap();
        assert!(proxies.trusts(ip("::ffff:127.0.0.1")));
        assert_eq!(bucket(ip("::ffff:192.0.2.1")), "192.0.2.1");
    }

    #[test]
    fn ipv6_clients_share_a_bucket_per_64() {
        assert_eq!(bucket(ip("2001:db8:1:2:aaaa::1")), "2001:db8:1:2::/64");
        assert_eq!(bucket(ip("2001:db8:1:2:ffff::9")), "2001:db8:1:2::/64");
        assert_ne!(bucket(ip("2001:db8:1:3::1")), bucket(ip("2001:db8:1:2::1")));
    }

    #[test]
    fn a_list_item_that_is_not_an_address_is_refused() {
        assert!("10.0.0.0/8, nope".parse::<TrustedProxies>().is_err());
        assert_eq!(
            "".parse::<TrustedProxies>().unwrap(),
            TrustedProxies::default()
        );
    }
}
