//! The client's base URL: checked once at build time, then only ever prefixed to a path.
//!
//! The client never parses URLs beyond this: it builds `{base}{path}?{query}` and hands the
//! string to its transport, whose own URL parser (reqwest's `url`, the browser's `URL`) reads
//! it. So this check is narrow on purpose — it refuses what would make every request go
//! wrong (another scheme, no host, a query or fragment that the client's paths would land
//! inside, spaces) with a clear [`InvalidArgument`](crate::Error::InvalidArgument), and leaves
//! host syntax to the transport. It replaces the `url` crate, whose IDNA tables were a sixth
//! of the browser package's size for one call at build time.

/// `raw` checked and normalised: scheme lower-cased, trailing slashes removed.
///
/// # Errors
/// A message naming what is wrong, for the `baseUrl` argument.
pub(crate) fn normalise(raw: &str) -> Result<String, String> {
    let bad = |why: &str| Err(format!("'{raw}' {why}"));
    let trimmed = raw.trim();
    let Some((scheme, rest)) = trimmed.split_once("://") else {
        return bad("is not an absolute http or https url");
    };
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return bad("must be an http or https url");
    }
    if rest.contains(['?', '#']) {
        return bad("must be an http or https url without a query or fragment");
    }
    if rest
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
    {
        return bad("contains a space, a control character or a backslash");
    }
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = split_port(host_port);
    if host.is_empty() || host == "[]" {
        return bad("has no host");
    }
    if host.starts_with('[') != host.ends_with(']') {
        return bad("has a malformed IPv6 host");
    }
    if let Some(port) = port
        && (port.is_empty()
            || !port.bytes().all(|b| b.is_ascii_digit())
            || port.parse::<u16>().is_err())
    {
        return bad("has an invalid port");
    }
    Ok(format!(
        "{scheme}://{authority}{}",
        path.trim_end_matches('/')
    ))
}

/// `host:port` split at the port's colon (an IPv6 host keeps its own colons).
fn split_port(host_port: &str) -> (&str, Option<&str>) {
    if host_port.starts_with('[') {
        return match host_port.find(']') {
            Some(end) => match host_port[end + 1..].strip_prefix(':') {
                Some(port) => (&host_port[..=end], Some(port)),
                // Nothing after the bracket, or something that is not a port: the whole is
                // the host (and the bracket check refuses the latter).
                None => (host_port, None),
            },
            None => (host_port, None),
        };
    }
    match host_port.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (host_port, None),
    }
}

#[cfg(test)]
mod tests {
    use super::normalise;

    #[test]
    fn accepts_hosts_ports_prefixes_and_normalises() {
        for (raw, want) in [
            ("http://127.0.0.1:3000", "http://127.0.0.1:3000"),
            ("http://127.0.0.1:3000/", "http://127.0.0.1:3000"),
            ("HTTPS://store.jiga.example", "https://store.jiga.example"),
            (
                "https://store.jiga.example/api/",
                "https://store.jiga.example/api",
            ),
            ("  http://localhost:8080//  ", "http://localhost:8080"),
            ("http://[::1]:3000", "http://[::1]:3000"),
            ("http://[::1]", "http://[::1]"),
            (
                "https://xn--bcher-kva.example",
                "https://xn--bcher-kva.example",
            ),
        ] {
            assert_eq!(normalise(raw).as_deref(), Ok(want), "{raw}");
        }
    }

    #[test]
    fn refuses_what_would_make_every_request_wrong() {
        for raw in [
            "",
            "not a url",
            "127.0.0.1:3000",
            "ftp://x",
            "ws://127.0.0.1:3000",
            "http://",
            "http:///path",
            "http://:3000",
            "http://host:port",
            "http://host:99999",
            "http://host:",
            "http://host/?q=1",
            "http://host/#top",
            "http://ho st",
            "http://host\\path",
            "http://[::1",
            "http://[]:80",
        ] {
            let e = normalise(raw).expect_err(raw);
            assert!(e.starts_with(&format!("'{raw}'")), "{e}");
        }
    }
}
