//! Where webhooks may go. URLs must be https, or http for hosts on the allow-list
//! (`TELEDESK_WEBHOOK_ALLOWLIST`: comma-separated host names or CIDRs). The resolved address is
//! refused when it is loopback, private, link-local, unspecified, or the cloud metadata address —
//! unless the allow-list names the host or contains the address.

use std::net::IpAddr;

pub const ALLOWLIST_VAR: &str = "TELEDESK_WEBHOOK_ALLOWLIST";

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList {
    hosts: Vec<String>,
    nets: Vec<(IpAddr, u8)>,
}

impl AllowList {
    pub fn parse(s: &str) -> AllowList {
        let mut a = AllowList::default();
        for item in s.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let (addr, bits) = match item.split_once('/') {
                Some((ip, bits)) => (ip, bits.parse::<u8>().ok()),
                None => (item, None),
            };
            match addr.parse::<IpAddr>() {
                Ok(ip) => {
                    let max = if ip.is_ipv4() { 32 } else { 128 };
                    a.nets.push((ip, bits.unwrap_or(max).min(max)));
                }
                Err(_) => a.hosts.push(item.to_ascii_lowercase()),
            }
        }
        a
    }

    pub fn names_host(&self, host: &str) -> bool {
        let host = host.trim_matches(['[', ']']).to_ascii_lowercase();
        self.hosts.contains(&host) || host.parse::<IpAddr>().is_ok_and(|ip| self.contains(ip))
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        self.nets.iter().any(|(net, bits)| in_net(ip, *net, *bits))
    }
}

fn in_net(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(bits))
            };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(bits))
            };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// Addresses a webhook must not reach unless allow-listed.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.octets()[0] == 100 && (64..128).contains(&v4.octets()[1]) // CGNAT
                || v4.octets() == [169, 254, 169, 254]
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || (v6.segments()[0] & 0xfe00) == 0xfc00 // unique local
                || (v6.segments()[0] & 0xffc0) == 0xfe80 // link-local
                || v6.to_ipv4_mapped().is_some_and(|v4| is_internal(IpAddr::V4(v4)))
        }
    }
}

/// Why a URL is refused at save time (scheme and host), or None.
pub fn check_url(url: &str, allow: &AllowList) -> Option<String> {
    if !plain_url(url) {
        return Some(
            "a URL of letters, digits and -._~/ (a host name or IPv4 address, an optional port, \
             path and query of =&)"
                .into(),
        );
    }
    let Ok(u) = reqwest::Url::parse(url) else {
        return Some("not a URL".into());
    };
    let host = u.host_str().unwrap_or_default();
    if host.is_empty() {
        return Some("the URL has no host".into());
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Some("credentials in the URL are not allowed; use the signature".into());
    }
    match u.scheme() {
        "https" => None,
        "http" if allow.names_host(host) => None,
        "http" => Some(format!(
            "http is allowed only for hosts on {ALLOWLIST_VAR}; use https"
        )),
        other => Some(format!("the scheme {other} is not allowed; use https")),
    }
}

/// The shape the API documents for a webhook URL (its `pattern` in `WebhookWrite`): `http(s)://`,
/// dot-separated labels of letters, digits and `-`, an optional port (1–65535), an optional path
/// of `A-Za-z0-9._~/-` and query of those and `=&`. Nothing that needs escaping, so the URL that
/// is checked is the URL that is called.
pub fn plain_url(url: &str) -> bool {
    let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
    else {
        return false;
    };
    let (before_query, query) = match rest.split_once('?') {
        Some((a, q)) => (a, Some(q)),
        None => (rest, None),
    };
    let (authority, path) = match before_query.find('/') {
        Some(i) => (&before_query[..i], Some(&before_query[i..])),
        None => (before_query, None),
    };
    let (host, port) = match authority.split_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    };
    let label_ok =
        |l: &str| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let path_ok = |p: &str, extra: &[u8]| {
        p.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._~/-".contains(&b) || extra.contains(&b))
    };
    host.split('.').all(label_ok)
        && port.is_none_or(|p| {
            !p.is_empty()
                && !p.starts_with('0')
                && p.len() <= 5
                && p.bytes().all(|b| b.is_ascii_digit())
                && p.parse::<u32>().is_ok_and(|n| (1..=65535).contains(&n))
        })
        && path.is_none_or(|p| path_ok(p, b""))
        && query.is_none_or(|q| path_ok(q, b"=&") && !q.contains('/'))
}

/// Resolves names for webhook requests and refuses internal addresses that are not allow-listed:
/// the check is part of connecting, so DNS cannot change between check and connect.
struct GuardedResolver {
    allow: AllowList,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        let allow = self.allow.clone();
        Box::pin(async move {
            let addrs: Vec<std::net::SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            refuse_internal(&allow, &host, addrs.iter().map(|a| a.ip()))?;
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// `refused: …` when one of the host's addresses is internal and not allow-listed.
pub fn refuse_internal(
    allow: &AllowList,
    host: &str,
    ips: impl Iterator<Item = std::net::IpAddr>,
) -> Result<(), String> {
    if allow.names_host(host) {
        return Ok(());
    }
    for ip in ips {
        if is_internal(ip) && !allow.contains(ip) {
            return Err(format!(
                "refused: {host} resolves to an internal address ({ip})"
            ));
        }
    }
    Ok(())
}

/// The fan-out's HTTP client (one per process, kept in [`crate::config::Config`]): no redirects,
/// the attempt timeout, guarded DNS.
pub fn build_client(config: &crate::config::Config) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(config.webhook_timeout)
        .dns_resolver(std::sync::Arc::new(GuardedResolver {
            allow: config.webhook_allowlist.clone(),
        }))
        .build()
        .expect("a TLS backend is compiled in")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_urls() {
        for ok in [
            "https://crm.example.com/hooks/teledesk",
            "https://a.b:8443",
            "http://127.0.0.1:9000/x?token=abc&v=2",
            "https://x.io/",
        ] {
            assert!(plain_url(ok), "{ok}");
        }
        for bad in [
            "https://x.io*",
            "https://x..io",
            "https://x.io:0",
            "https://x.io:65536",
            "https://user:pw@x.io",
            "https://x.io/a b",
            "ftp://x.io",
            "https://[::1]/",
        ] {
            assert!(!plain_url(bad), "{bad}");
        }
    }

    #[test]
    fn internal_addresses() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "172.16.5.5",
            "169.254.169.254",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "100.64.0.1",
        ] {
            assert!(is_internal(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "2606:4700::1111", "8.8.8.8"] {
            assert!(!is_internal(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn allowlist_of_hosts_and_cidrs() {
        let a = AllowList::parse("localhost, receiver.test,127.0.0.0/8, ::1");
        assert!(a.names_host("LOCALHOST") && a.names_host("receiver.test"));
        assert!(a.contains("127.0.0.9".parse().unwrap()));
        assert!(a.names_host("127.0.0.1") && a.names_host("[::1]"));
        assert!(!a.contains("10.0.0.1".parse().unwrap()));
    }

    #[test]
    fn urls() {
        let a = AllowList::parse("127.0.0.1");
        assert_eq!(check_url("https://example.com/hook", &a), None);
        assert_eq!(check_url("http://127.0.0.1:9000/hook", &a), None);
        assert!(check_url("http://example.com/hook", &a).is_some());
        assert!(check_url("ftp://example.com", &a).is_some());
        assert!(check_url("https://user:pw@example.com", &a).is_some());
        assert!(check_url("nonsense", &a).is_some());
    }
}
