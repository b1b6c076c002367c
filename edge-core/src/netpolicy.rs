//! Network policy: which upstream base URLs the edge may be configured with (secrets travel
//! in those requests, so no plain HTTP off the machine), and the key a client address is
//! budgeted under (rate limits).
//!
//! The URL check is a careful hand parse, stricter than the WHATWG parser the runtime uses:
//! anything it cannot read unambiguously is refused, so a URL it calls loopback is loopback
//! for the runtime too (no `\`, `%`, whitespace, or numeric shorthands like `127.1`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why an upstream URL is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlRefused {
    /// Not an absolute `scheme://host[:port][/…]` URL this check can read unambiguously.
    #[error("not a URL")]
    NotUrl,
    /// `http://` to a host other than loopback.
    #[error("plain http to a non-loopback host")]
    PlainHttp,
    /// A scheme other than `https` or `http`.
    #[error("scheme other than https/http")]
    Scheme,
    /// A `user:password@` part.
    #[error("credentials in the URL")]
    Credentials,
}

/// A URL's host, as read by [`upstream_url_ok`].
enum Host<'a> {
    /// A DNS name (letters, digits, `-`, dots).
    Name(&'a str),
    /// A dotted-quad IPv4 literal.
    V4(Ipv4Addr),
    /// A bracketed IPv6 literal.
    V6(Ipv6Addr),
}

impl Host<'_> {
    fn is_loopback(&self) -> bool {
        match self {
            Host::Name(name) => name.eq_ignore_ascii_case("localhost"),
            Host::V4(ip) => ip.is_loopback(),
            Host::V6(ip) => ip.is_loopback(),
        }
    }
}

/// An upstream base URL is allowed when it is https, or http to a loopback host only (127.0.0.0/8, ::1, localhost). No user:password@ part.
pub fn upstream_url_ok(url: &str) -> Result<(), UrlRefused> {
    if url.is_empty()
        || url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
    {
        return Err(UrlRefused::NotUrl);
    }
    let (scheme, rest) = url.split_once("://").ok_or(UrlRefused::NotUrl)?;
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok {
        return Err(UrlRefused::NotUrl);
    }
    let https = if scheme.eq_ignore_ascii_case("https") {
        true
    } else if scheme.eq_ignore_ascii_case("http") {
        false
    } else {
        return Err(UrlRefused::Scheme);
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return Err(UrlRefused::Credentials);
    }
    let host = parse_authority(authority)?;
    if https || host.is_loopback() {
        Ok(())
    } else {
        Err(UrlRefused::PlainHttp)
    }
}

/// `host[:port]` or `[v6][:port]`.
fn parse_authority(authority: &str) -> Result<Host<'_>, UrlRefused> {
    let (host, port) = if let Some(inner) = authority.strip_prefix('[') {
        let (v6, after) = inner.split_once(']').ok_or(UrlRefused::NotUrl)?;
        let ip: Ipv6Addr = v6.parse().map_err(|_| UrlRefused::NotUrl)?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or(UrlRefused::NotUrl)?),
        };
        (Host::V6(ip), port)
    } else {
        let (name, port) = match authority.split_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (authority, None),
        };
        (parse_host_name(name)?, port)
    };
    if let Some(port) = port {
        let digits_ok = (1..=5).contains(&port.len()) && port.bytes().all(|b| b.is_ascii_digit());
        if !digits_ok || port.parse::<u16>().is_err() {
            return Err(UrlRefused::NotUrl);
        }
    }
    Ok(host)
}

/// A DNS name or dotted-quad IPv4 literal; one trailing dot allowed on a name. A name whose
/// last label is numeric is refused: the runtime would read it as an IPv4 shorthand.
fn parse_host_name(name: &str) -> Result<Host<'_>, UrlRefused> {
    if let Ok(ip) = name.parse::<Ipv4Addr>() {
        return Ok(Host::V4(ip));
    }
    let bare = name.strip_suffix('.').unwrap_or(name);
    let labels: Vec<&str> = bare.split('.').collect();
    let labels_ok = !bare.is_empty()
        && bare.len() <= 253
        && labels.iter().all(|l| {
            (1..=63).contains(&l.len())
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        });
    let numeric_tail = labels
        .last()
        .is_some_and(|l| l.bytes().all(|b| b.is_ascii_digit()));
    if !labels_ok || numeric_tail {
        return Err(UrlRefused::NotUrl);
    }
    Ok(Host::Name(name))
}

/// The key a client address is budgeted under: an IPv4 address as is (normalised), an IPv6 address by its /64 prefix (e.g. "2001:db8:1:2::/64"); an IPv4-mapped IPv6 (::ffff:1.2.3.4) as its IPv4; anything unparsable (or empty) as "unknown".
pub fn client_key(ip: &str) -> String {
    match ip.trim().parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                let prefix = Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                format!("{prefix}/64")
            }
        },
        Err(_) => "unknown".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_urls() {
        for url in [
            "https://challenges.cloudflare.com/turnstile/v0/siteverify",
            "https://mertest.cloudpnr.com/realme-api/",
            "HTTPS://Example.COM:443/x?y=1#z",
            "https://example.com.",
            "https://203.0.113.7:8443",
            "https://[2001:db8::1]/p",
            "http://127.0.0.1:8788",
            "http://127.0.0.1:8788/api/realme/",
            "http://localhost",
            "http://LOCALHOST:3000/x",
            "http://[::1]:1/",
            "http://[::1]",
            "http://127.1.2.3",
            "http://127.255.255.255?q",
        ] {
            assert_eq!(upstream_url_ok(url), Ok(()), "{url}");
        }
    }

    #[test]
    fn refused_urls() {
        for (url, want) in [
            ("http://example.com", UrlRefused::PlainHttp),
            ("http://example.com:80/x", UrlRefused::PlainHttp),
            ("http://127.0.0.1.evil.com", UrlRefused::PlainHttp),
            ("http://localhost.evil.com", UrlRefused::PlainHttp),
            ("http://evil.com#@127.0.0.1", UrlRefused::PlainHttp),
            ("http://evil.com/127.0.0.1", UrlRefused::PlainHttp),
            ("http://10.0.0.1", UrlRefused::PlainHttp),
            ("http://0.0.0.0", UrlRefused::PlainHttp),
            ("http://[::]", UrlRefused::PlainHttp),
            ("http://[::ffff:127.0.0.1]", UrlRefused::PlainHttp),
            ("http://localhost.", UrlRefused::PlainHttp),
            ("ftp://example.com/file", UrlRefused::Scheme),
            ("ftp://", UrlRefused::Scheme),
            ("file:///etc/passwd", UrlRefused::Scheme),
            ("https://u:p@host", UrlRefused::Credentials),
            ("https://u@host/x", UrlRefused::Credentials),
            ("http://127.0.0.1:8788@evil.com", UrlRefused::Credentials),
            ("garbage", UrlRefused::NotUrl),
            ("", UrlRefused::NotUrl),
            ("https://", UrlRefused::NotUrl),
            ("https:///path", UrlRefused::NotUrl),
            ("://host", UrlRefused::NotUrl),
            ("1http://host", UrlRefused::NotUrl),
            ("mailto:a@b.c", UrlRefused::NotUrl),
            (" https://example.com", UrlRefused::NotUrl),
            ("https://exa mple.com", UrlRefused::NotUrl),
            ("http://127.0.0.1\\@evil.com", UrlRefused::NotUrl),
            ("http://127.0.0.1%2eevil.com", UrlRefused::NotUrl),
            ("http://127.1", UrlRefused::NotUrl),
            ("http://2130706433", UrlRefused::NotUrl),
            ("http://127.0.0.01", UrlRefused::NotUrl),
            ("http://127.0.0.1:", UrlRefused::NotUrl),
            ("http://127.0.0.1:65536", UrlRefused::NotUrl),
            ("http://127.0.0.1:80:80", UrlRefused::NotUrl),
            ("http://127.0.0.1:+80", UrlRefused::NotUrl),
            ("http://[::1", UrlRefused::NotUrl),
            ("http://[::1]x", UrlRefused::NotUrl),
            ("http://[fe80::1%25eth0]", UrlRefused::NotUrl),
            ("http://-bad-.com", UrlRefused::NotUrl),
            ("http://a..b", UrlRefused::NotUrl),
            ("http://ex_ample.com", UrlRefused::NotUrl),
        ] {
            assert_eq!(upstream_url_ok(url), Err(want.clone()), "{url}");
        }
        assert_eq!(
            UrlRefused::PlainHttp.to_string(),
            "plain http to a non-loopback host"
        );
        assert_eq!(UrlRefused::NotUrl.to_string(), "not a URL");
    }

    #[test]
    fn client_keys() {
        assert_eq!(client_key("203.0.113.7"), "203.0.113.7");
        assert_eq!(client_key(" 203.0.113.7 "), "203.0.113.7");
        assert_eq!(client_key("2001:db8:1:2::1"), "2001:db8:1:2::/64");
        assert_eq!(
            client_key("2001:db8:1:2:aaaa:bbbb:cccc:dddd"),
            client_key("2001:db8:1:2::1")
        );
        assert_ne!(client_key("2001:db8:1:2::1"), client_key("2001:db8:1:3::1"));
        assert_eq!(
            client_key("2001:0DB8:0001:0002:0000:0000:0000:0001"),
            "2001:db8:1:2::/64"
        );
        assert_eq!(client_key("2001:DB8:1:2::FFFF"), "2001:db8:1:2::/64");
        assert_eq!(client_key("::1"), "::/64");
        assert_eq!(client_key("::ffff:1.2.3.4"), "1.2.3.4");
        assert_eq!(client_key("::FFFF:0102:0304"), "1.2.3.4");
        for bad in [
            "garbage",
            "",
            "  ",
            "1.2.3",
            "1.2.3.256",
            "01.2.3.4",
            "[::1]",
            "fe80::1%eth0",
        ] {
            assert_eq!(client_key(bad), "unknown", "{bad:?}");
        }
    }
}
