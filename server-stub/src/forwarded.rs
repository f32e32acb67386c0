//! The client's address behind a reverse proxy (`--trusted-proxy`).
//!
//! Rate limits without a token are kept per address. Behind nginx or a cloud load balancer
//! every connection comes from the proxy, so all anonymous callers would share one bucket.
//! When the connection's peer is a trusted proxy, the client is taken from `X-Forwarded-For`
//! instead: the header is read right to left (each proxy appends the address it saw), trusted
//! proxies are skipped, and the first address that is not one is the client. The part of the
//! header left of that address was written by the client itself and is never believed.
//!
//! With no trusted proxy configured (the default), the header is ignored and the peer is the
//! client, so a client cannot pick its own bucket by sending the header.

use std::net::IpAddr;

use http::HeaderMap;
use ipnet::IpNet;

/// The networks whose connections may tell the client's address.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies {
    nets: Vec<IpNet>,
}

impl TrustedProxies {
    /// Trusts connections from `nets`.
    #[must_use]
    pub fn new(nets: Vec<IpNet>) -> Self {
        TrustedProxies { nets }
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.nets.iter().any(|n| n.contains(&ip))
    }

    /// The client's address of a request that came from `peer` with `headers`.
    #[must_use]
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if self.nets.is_empty() || !self.trusts(peer) {
            return peer;
        }
        let mut client = peer;
        // Every X-Forwarded-For line, as one list in order; the rightmost entry is the
        // nearest hop.
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .flat_map(|v| v.to_str().unwrap_or("").split(','))
            .collect();
        for hop in hops.iter().rev() {
            let Some(ip) = parse_hop(hop) else {
                // A hop a proxy did not write: stop at the last address known good.
                break;
            };
            client = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        canonical(client)
    }
}

/// One `X-Forwarded-For` entry: an address, bracketed or not, with or without a port.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(sa) = hop.parse::<std::net::SocketAddr>() {
        return Some(sa.ip());
    }
    hop.strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .and_then(|h| h.parse().ok())
}

/// IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`, how a dual-stack socket reports IPv4 peers)
/// as the IPv4 address they carry.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

/// Parses one `--trusted-proxy` value: a network (`10.0.0.0/8`, `fd00::/8`) or one address.
///
/// # Errors
/// Neither a network nor an address.
pub fn parse_net(s: &str) -> Result<IpNet, String> {
    let s = s.trim();
    s.parse::<IpNet>()
        .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("expected a network such as 10.0.0.0/8 or an address, got '{s}'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies(nets: &[&str]) -> TrustedProxies {
        TrustedProxies::new(nets.iter().map(|n| parse_net(n).expect("net")).collect())
    }

    fn xff(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", v.parse().expect("value"));
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        let none = TrustedProxies::default();
        assert_eq!(
            none.client(ip("10.0.0.5"), &xff(&["1.2.3.4"])),
            ip("10.0.0.5")
        );
    }

    #[test]
    fn an_untrusted_peer_cannot_choose_its_address() {
        let p = proxies(&["10.0.0.0/8"]);
        assert_eq!(p.client(ip("8.8.8.8"), &xff(&["1.2.3.4"])), ip("8.8.8.8"));
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client() {
        let p = proxies(&["10.0.0.0/8", "192.168.1.1"]);
        // The client forged "6.6.6.6"; the edge proxy (192.168.1.1) appended the real one.
        let h = xff(&["6.6.6.6, 203.0.113.7", "192.168.1.1"]);
        assert_eq!(p.client(ip("10.1.2.3"), &h), ip("203.0.113.7"));
    }

    #[test]
    fn a_missing_or_garbled_header_leaves_the_last_good_address() {
        let p = proxies(&["10.0.0.0/8"]);
        assert_eq!(p.client(ip("10.1.2.3"), &HeaderMap::new()), ip("10.1.2.3"));
        assert_eq!(
            p.client(ip("10.1.2.3"), &xff(&["203.0.113.7, not-an-ip"])),
            ip("10.1.2.3")
        );
    }

    #[test]
    fn ports_brackets_and_mapped_addresses_are_understood() {
        let p = proxies(&["10.0.0.0/8"]);
        assert_eq!(
            p.client(ip("::ffff:10.0.0.9"), &xff(&["[2001:db8::1]:4711"])),
            ip("2001:db8::1")
        );
        assert_eq!(
            p.client(ip("10.0.0.9"), &xff(&["198.51.100.2:80"])),
            ip("198.51.100.2")
        );
        assert_eq!(
            p.client(ip("10.0.0.9"), &xff(&["::ffff:198.51.100.2"])),
            ip("198.51.100.2")
        );
    }

    #[test]
    fn values_that_are_not_networks_are_refused() {
        assert!(parse_net("10.0.0.0/33").is_err());
        assert!(parse_net("proxy.local").is_err());
        assert_eq!(parse_net(" 10.0.0.1 ").expect("net").prefix_len(), 32);
    }
}
