//! Outbound HTTP to addresses that users give us (push endpoints today; webhooks and
//! Slack later), so that nobody can make the server call inside its own network: the
//! host's name is resolved here, every address it resolves to must be public (no
//! private, loopback, link-local, CGNAT 100.64/10, unspecified, multicast, documentation
//! or IPv4-mapped private ranges; the cloud metadata address is link-local), the
//! connection goes to the address that was checked (no second lookup), redirects are not
//! followed, the whole exchange times out at 15 s and at most `MAX_ANSWER` bytes of the
//! answer are read. An operator may allow private targets (`--outbound-allow-private`),
//! for a push service or webhook receiver on their own network, and tests do.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;

pub const TIMEOUT: Duration = Duration::from_secs(15);
/// The most of an answer that is read (kept as an excerpt).
pub const MAX_ANSWER: usize = 4_096;

/// Resolves a host name (tests inject their own rather than reach private ranges).
pub trait Resolve: Send + Sync {
    fn lookup(&self, host: String, port: u16) -> BoxFuture<'static, std::io::Result<Vec<SocketAddr>>>;
}

/// The system's resolver.
pub struct SystemResolver;

impl Resolve for SystemResolver {
    fn lookup(&self, host: String, port: u16) -> BoxFuture<'static, std::io::Result<Vec<SocketAddr>>> {
        Box::pin(async move { Ok(tokio::net::lookup_host((host.as_str(), port)).await?.collect()) })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum OutboundError {
    /// Not an http(s) URL with a host.
    BadUrl,
    /// Resolves to an address that is not public (and private targets are not allowed).
    Refused(IpAddr),
    /// The name does not resolve, the connection failed or timed out.
    Unreachable(String),
}

/// An answer: status, `Retry-After` in seconds if given, and the start of the body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub retry_after: Option<u64>,
    pub excerpt: String,
}

/// Clients kept per (host, checked address), so that deliveries to one receiver reuse
/// its connections and TLS setup; at most `MAX_CLIENTS` (then all are dropped).
type Clients = std::sync::Mutex<std::collections::HashMap<(String, SocketAddr), reqwest::Client>>;
const MAX_CLIENTS: usize = 512;

#[derive(Clone)]
pub struct Outbound {
    allow_private: bool,
    resolver: Arc<dyn Resolve>,
    clients: Arc<Clients>,
}

/// Whether an address is on the public Internet (what outbound calls may reach).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local() // 169.254/16, the cloud metadata address among them
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (o[1] & 0xc0) == 64) // CGNAT 100.64/10
                || (o[0] == 192 && o[1] == 0 && o[2] == 0) // IETF protocol assignments
                || (o[0] == 198 && (o[1] & 0xfe) == 18) // benchmarking 198.18/15
                || o[0] >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (s[0] == 0x64 && s[1] == 0xff9b) // NAT64 (embeds IPv4)
                || (s[0] == 0x2001 && s[1] == 0xdb8) // documentation
                || s[0] == 0x2002) // 6to4 (embeds IPv4)
        }
    }
}

impl Outbound {
    pub fn new(allow_private: bool) -> Outbound {
        Outbound { allow_private, resolver: Arc::new(SystemResolver), clients: Arc::default() }
    }

    pub fn with_resolver(allow_private: bool, resolver: Arc<dyn Resolve>) -> Outbound {
        Outbound { allow_private, resolver, clients: Arc::default() }
    }

    /// The address to connect to for `url`: the first the name resolves to, once every
    /// one of them is checked.
    pub async fn checked(&self, url: &reqwest::Url) -> Result<(String, SocketAddr), OutboundError> {
        if !matches!(url.scheme(), "https" | "http") {
            return Err(OutboundError::BadUrl);
        }
        let host = url.host_str().ok_or(OutboundError::BadUrl)?.trim_start_matches('[').trim_end_matches(']').to_owned();
        let port = url.port_or_known_default().ok_or(OutboundError::BadUrl)?;
        let addrs: Vec<SocketAddr> = match host.parse::<IpAddr>() {
            Ok(ip) => vec![SocketAddr::new(ip, port)],
            Err(_) => self.resolver.lookup(host.clone(), port).await.map_err(|e| OutboundError::Unreachable(format!("{host}: {e}")))?,
        };
        let first = *addrs.first().ok_or_else(|| OutboundError::Unreachable(format!("{host} has no address")))?;
        if !self.allow_private {
            if let Some(bad) = addrs.iter().map(|a| a.ip().to_canonical()).find(|ip| !is_public(*ip)) {
                return Err(OutboundError::Refused(bad));
            }
        }
        Ok((host, first))
    }

    /// The client that connects `host` to `addr` only (the address that was checked).
    fn client(&self, host: String, addr: SocketAddr) -> Result<reqwest::Client, OutboundError> {
        let mut clients = self.clients.lock().expect("clients lock");
        if let Some(c) = clients.get(&(host.clone(), addr)) {
            return Ok(c.clone());
        }
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(TIMEOUT)
            .pool_idle_timeout(std::time::Duration::from_secs(30))
            .resolve(&host, addr)
            .build()
            .map_err(|e| OutboundError::Unreachable(e.to_string()))?;
        if clients.len() >= MAX_CLIENTS {
            clients.clear();
        }
        clients.insert((host, addr), client.clone());
        Ok(client)
    }

    /// POSTs `body` to `url` under the rules above.
    pub async fn post(&self, url: &str, headers: &[(&str, String)], body: Vec<u8>) -> Result<Answer, OutboundError> {
        self.post_reading(url, headers, body, MAX_ANSWER).await
    }

    /// As `post`, reading at most `max_answer` bytes of the answer (an API whose answer
    /// is read, rather than a receiver's excerpt logged).
    pub async fn post_reading(&self, url: &str, headers: &[(&str, String)], body: Vec<u8>, max_answer: usize) -> Result<Answer, OutboundError> {
        let parsed = reqwest::Url::parse(url).map_err(|_| OutboundError::BadUrl)?;
        let (host, addr) = self.checked(&parsed).await?;
        let client = self.client(host, addr)?;
        let mut req = client.post(parsed).body(body);
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        let mut res = req.send().await.map_err(|e| OutboundError::Unreachable(e.to_string()))?;
        let status = res.status().as_u16();
        let retry_after = res.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok());
        let mut excerpt = Vec::new();
        while excerpt.len() < max_answer {
            match tokio::time::timeout(TIMEOUT, res.chunk()).await {
                Ok(Ok(Some(c))) => excerpt.extend_from_slice(&c[..c.len().min(max_answer - excerpt.len())]),
                _ => break,
            }
        }
        Ok(Answer { status, retry_after, excerpt: String::from_utf8_lossy(&excerpt).into_owned() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed(Vec<IpAddr>);
    impl Resolve for Fixed {
        fn lookup(&self, _host: String, port: u16) -> BoxFuture<'static, std::io::Result<Vec<SocketAddr>>> {
            let addrs = self.0.iter().map(|ip| SocketAddr::new(*ip, port)).collect();
            Box::pin(async move { Ok(addrs) })
        }
    }

    #[test]
    fn only_public_addresses_are_public() {
        for bad in [
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "127.0.0.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.254",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fc00::1",
            "fd12::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "::ffff:127.0.0.1",
            "64:ff9b::a00:1",
            "2002:a00:1::",
        ] {
            assert!(!is_public(bad.parse().unwrap()), "{bad}");
        }
        for good in ["8.8.8.8", "100.128.0.1", "172.32.0.1", "2606:4700::1111", "::ffff:8.8.8.8"] {
            assert!(is_public(good.parse().unwrap()), "{good}");
        }
    }

    #[tokio::test]
    async fn a_name_that_resolves_to_a_private_address_is_refused_unless_allowed() {
        let url = reqwest::Url::parse("https://push.example/send/1").unwrap();
        let mixed = Arc::new(Fixed(vec!["8.8.8.8".parse().unwrap(), "10.0.0.7".parse().unwrap()]));
        let o = Outbound::with_resolver(false, mixed.clone());
        assert_eq!(o.checked(&url).await, Err(OutboundError::Refused("10.0.0.7".parse().unwrap())), "every address is checked");
        let public = Outbound::with_resolver(false, Arc::new(Fixed(vec!["8.8.8.8".parse().unwrap()])));
        assert_eq!(public.checked(&url).await.unwrap(), ("push.example".to_owned(), "8.8.8.8:443".parse().unwrap()));
        let allowed = Outbound::with_resolver(true, mixed);
        assert!(allowed.checked(&url).await.is_ok());
        let literal = reqwest::Url::parse("http://[::ffff:169.254.169.254]/latest").unwrap();
        assert!(matches!(o.checked(&literal).await, Err(OutboundError::Refused(_))));
        assert_eq!(o.checked(&reqwest::Url::parse("ftp://push.example/").unwrap()).await, Err(OutboundError::BadUrl));
    }
}
