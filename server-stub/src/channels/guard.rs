//! The private-address guard of user webhooks (contract v1.2): a webhook may only reach
//! public addresses, so a user cannot make the server send requests into its own network
//! (server-side request forgery).
//!
//! The check runs twice: when the URL is set (a clear 400 for the user) and at every
//! delivery, inside the HTTP client's resolver ([`GuardedResolver`]), so the address that is
//! checked is the address connected to — a host that resolved to a public address when it was
//! set and to a private one later (DNS rebinding) is refused then. Every address a name
//! resolves to is checked, not just the first; redirects are never followed.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// Whether `ip` is a public unicast address a webhook may reach.
#[must_use]
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0 // "this network"
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240) // reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    // Forms that carry an IPv4 address are judged by that address.
    if let Some(v4) = embedded_v4(ip) {
        return is_public_v4(v4);
    }
    let first = ip.segments()[0];
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (first & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (first & 0xffc0) == 0xfec0 // site-local fec0::/10 (deprecated)
        || first == 0x2001 && ip.segments()[1] == 0x0db8 // documentation
        || first == 0x0100 && ip.segments()[1..4] == [0, 0, 0]) // discard-only 100::/64
}

/// The IPv4 address inside an IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`),
/// NAT64 (`64:ff9b::a.b.c.d`) or 6to4 (`2002:aabb:ccdd::`) address.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let tail = || Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    if let Some(v4) = ip.to_ipv4_mapped() {
        return Some(v4);
    }
    if s[..6] == [0; 6] && !(s[6] == 0 && s[7] <= 1) {
        return Some(tail());
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return Some(tail());
    }
    if s[0] == 0x2002 {
        return Some(Ipv4Addr::new(
            (s[1] >> 8) as u8,
            s[1] as u8,
            (s[2] >> 8) as u8,
            s[2] as u8,
        ));
    }
    None
}

/// Why a webhook target was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// The host resolves to an address the guard keeps webhooks away from.
    #[error(
        "host '{host}' resolves to {addr}, a loopback, private, link-local or multicast address"
    )]
    Private {
        /// The host as written.
        host: String,
        /// The first refused address.
        addr: IpAddr,
    },
    /// The host does not resolve.
    #[error("host '{host}' does not resolve: {reason}")]
    Unresolved {
        /// The host as written.
        host: String,
        /// The resolver's answer.
        reason: String,
    },
    /// The URL cannot be used.
    #[error("{0}")]
    Url(String),
}

/// Resolves `host:port` and checks every address; the addresses when all may be reached.
///
/// # Errors
/// [`Refused`] when the host does not resolve or any address is not public (unless
/// `allow_private`).
pub async fn resolve_checked(
    host: &str,
    port: u16,
    allow_private: bool,
) -> Result<Vec<SocketAddr>, Refused> {
    // An IP literal in brackets (`[::1]`) is resolved without them.
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((bare, port))
        .await
        .map_err(|e| Refused::Unresolved {
            host: host.to_owned(),
            reason: e.to_string(),
        })?
        .collect();
    if addrs.is_empty() {
        return Err(Refused::Unresolved {
            host: host.to_owned(),
            reason: "no address".into(),
        });
    }
    if let Some(bad) = addrs.iter().find(|a| !allow_private && !is_public(a.ip())) {
        return Err(Refused::Private {
            host: host.to_owned(),
            addr: bad.ip(),
        });
    }
    Ok(addrs)
}

/// Checks a webhook URL: `http`/`https`, a host, and every address it resolves to.
///
/// # Errors
/// [`Refused`], to be answered 400 naming `url`.
pub async fn check_url(url: &str, allow_private: bool) -> Result<(), Refused> {
    let parsed = url::Url::parse(url).map_err(|e| Refused::Url(format!("not a URL: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Refused::Url("must be http:// or https://".into()));
    }
    let host = parsed
        .host_str()
        .ok_or_else(|| Refused::Url("must name a host".into()))?;
    let port = parsed
        .port_or_known_default()
        .ok_or_else(|| Refused::Url("no port".into()))?;
    resolve_checked(host, port, allow_private).await.map(|_| ())
}

/// The webhook client's resolver: every name is resolved and checked at connect time.
#[derive(Clone, Debug)]
pub struct GuardedResolver {
    /// Let private addresses through (`--allow-private-webhooks`).
    pub allow_private: bool,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let addrs = resolve_checked(name.as_str(), 0, allow_private)
                .await
                .map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>)?;
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public(s: &str) -> bool {
        is_public(s.parse().expect("an address"))
    }

    #[test]
    fn loopback_private_link_local_and_multicast_v4_are_refused() {
        for a in [
            "127.0.0.1",
            "127.255.0.9",
            "10.0.0.1",
            "10.255.255.255",
            "172.16.0.1",
            "172.31.9.9",
            "192.168.1.1",
            "169.254.169.254",
            "224.0.0.1",
            "239.1.2.3",
            "0.0.0.0",
            "255.255.255.255",
            "100.64.0.1",
        ] {
            assert!(!public(a), "{a} must be refused");
        }
        for a in [
            "8.8.8.8",
            "1.1.1.1",
            "172.32.0.1",
            "192.169.0.1",
            "100.128.0.1",
        ] {
            assert!(public(a), "{a} is public");
        }
    }

    #[test]
    fn ipv6_loopback_ula_link_local_and_multicast_are_refused() {
        for a in [
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "fec0::1",
        ] {
            assert!(!public(a), "{a} must be refused");
        }
        assert!(public("2606:4700:4700::1111"));
    }

    #[test]
    fn ipv4_inside_ipv6_is_judged_by_the_ipv4_address() {
        for a in [
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::10.0.0.1",
            "2002:c0a8:0101::1", // 6to4 of 192.168.1.1
        ] {
            assert!(!public(a), "{a} must be refused");
        }
        assert!(public("::ffff:8.8.8.8"));
        assert!(public("2002:0808:0808::1"));
    }

    #[tokio::test]
    async fn a_hostname_resolving_to_loopback_is_refused_unless_allowed() {
        let refused = check_url("http://localhost:9/hook", false)
            .await
            .expect_err("localhost is loopback");
        assert!(matches!(refused, Refused::Private { .. }), "{refused}");
        assert!(check_url("http://localhost:9/hook", true).await.is_ok());
        assert!(matches!(
            check_url("http://[::ffff:127.0.0.1]:9/", false).await,
            Err(Refused::Private { .. })
        ));
        assert!(matches!(
            check_url("http://10.0.0.1/", false).await,
            Err(Refused::Private { .. })
        ));
        assert!(matches!(
            check_url("ftp://example.com/", false).await,
            Err(Refused::Url(_))
        ));
    }
}
