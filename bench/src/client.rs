//! A minimal client of the public contract, tuned for load: GraphQL over HTTP for
//! setup, graphql-transport-ws sockets that can bind a chosen source address (so one
//! machine can open tens of thousands of connections).

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU32, Ordering};

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{json, Value};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

pub type Result<T> = std::result::Result<T, String>;

#[derive(Clone)]
pub struct Api {
    pub base: String,
    http: reqwest::Client,
}

impl Api {
    pub fn new(base: &str) -> Api {
        Api { base: base.to_owned(), http: reqwest::Client::builder().pool_max_idle_per_host(256).build().expect("http client") }
    }

    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Result<Value> {
        let mut req = self.http.post(format!("{}/graphql", self.base)).json(&json!({ "query": query, "variables": variables }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let v: Value = req.send().await.map_err(|e| e.to_string())?.json().await.map_err(|e| e.to_string())?;
        if let Some(errs) = v.get("errors") {
            return Err(format!("GraphQL error: {errs}"));
        }
        Ok(v["data"].clone())
    }

    /// A new organization; returns the owner's access token.
    pub async fn sign_up(&self) -> Result<String> {
        let email = format!("bench-{}@bench.test", chinwag::ids::new_id("u").to_lowercase());
        let d = self
            .gql(
                None,
                "mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }",
                json!({ "i": { "organizationName": "Bench", "name": "Bench", "email": email, "password": "bench password" } }),
            )
            .await?;
        Ok(d["signUp"]["accessToken"].as_str().unwrap_or_default().to_owned())
    }

    pub async fn website(&self, token: &str) -> Result<String> {
        let d = self.gql(Some(token), "mutation { createWebsite(input: {name: \"Bench\"}) { publicKey } }", json!({})).await?;
        Ok(d["createWebsite"]["publicKey"].as_str().unwrap_or_default().to_owned())
    }

    pub async fn api_key(&self, token: &str) -> Result<String> {
        let d = self.gql(Some(token), "mutation { createApiKey(name: \"bench\") { secret } }", json!({})).await?;
        Ok(d["createApiKey"]["secret"].as_str().unwrap_or_default().to_owned())
    }

    /// A visitor with one conversation: (visitor token, conversation id).
    pub async fn visitor_conversation(&self, key: &str) -> Result<(String, String)> {
        let d = self.gql(None, "mutation($k: String!) { startVisitorSession(input: {websiteKey: $k}) { token } }", json!({ "k": key })).await?;
        let token = d["startVisitorSession"]["token"].as_str().unwrap_or_default().to_owned();
        let d = self.gql(Some(&token), "mutation { startConversation(input: {body: \"hello\"}) { id } }", json!({})).await?;
        Ok((token, d["startConversation"]["id"].as_str().unwrap_or_default().to_owned()))
    }

    /// An offline message left by a visitor who gave an email: the team's replies to it
    /// are emailed (each one a job committed with the reply).
    pub async fn offline_conversation(&self, key: &str) -> Result<String> {
        let q = "mutation($k: String!, $e: String!) { startVisitorSession(input: {websiteKey: $k, email: $e}) { token } }";
        let email = format!("{}@bench.test", chinwag::ids::new_id("v").to_lowercase());
        let d = self.gql(None, q, json!({ "k": key, "e": email })).await?;
        let token = d["startVisitorSession"]["token"].as_str().unwrap_or_default().to_owned();
        let d = self.gql(Some(&token), "mutation { startConversation(input: {body: \"call me\", offline: true}) { id } }", json!({})).await?;
        Ok(d["startConversation"]["id"].as_str().unwrap_or_default().to_owned())
    }

    pub async fn send(&self, token: &str, conversation: &str, body: &str) -> Result<Value> {
        let d = self
            .gql(
                Some(token),
                "mutation($c: ID!, $b: String!) { sendMessage(input: {conversationId: $c, body: $b}) { id seq } }",
                json!({ "c": conversation, "b": body }),
            )
            .await?;
        Ok(d["sendMessage"].clone())
    }
}

pub struct Socket {
    pub tx: SplitSink<WebSocketStream<TcpStream>, Message>,
    pub rx: SplitStream<WebSocketStream<TcpStream>>,
}

/// Opens a socket past `connection_ack`, optionally from a chosen source address.
pub async fn connect(base: &str, token: &str, source: Option<IpAddr>) -> Result<Socket> {
    let url = format!("{}/graphql", base.replacen("http", "ws", 1));
    let host = url.trim_start_matches("ws://").split('/').next().unwrap_or_default().to_owned();
    let addr: SocketAddr = tokio::net::lookup_host(&host).await.map_err(|e| e.to_string())?.next().ok_or("no address")?;
    let stream = match source {
        Some(ip) => connect_from(ip, addr).await?,
        None => TcpStream::connect(addr).await.map_err(|e| format!("connect: {e}"))?,
    };
    stream.set_nodelay(true).ok();
    let mut req = url.as_str().into_client_request().map_err(|e| e.to_string())?;
    req.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().unwrap());
    let (ws, _) = tokio_tungstenite::client_async(req, stream).await.map_err(|e| format!("handshake: {e}"))?;
    let (mut tx, mut rx) = ws.split();
    let init = json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {token}") } });
    tx.send(Message::Text(init.to_string().into())).await.map_err(|e| e.to_string())?;
    match rx.next().await {
        Some(Ok(Message::Text(t))) if t.contains("connection_ack") => Ok(Socket { tx, rx }),
        other => Err(format!("no connection_ack: {other:?}")),
    }
}

impl Socket {
    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) -> Result<()> {
        let m = json!({ "id": id, "type": "subscribe", "payload": { "query": query, "variables": variables } });
        self.tx.send(Message::Text(m.to_string().into())).await.map_err(|e| e.to_string())
    }

    /// The next text frame, or None when the socket ends.
    pub async fn next_text(&mut self) -> Option<String> {
        loop {
            match self.rx.next().await? {
                Ok(Message::Text(t)) => return Some(t.to_string()),
                Ok(Message::Close(_)) | Err(_) => return None,
                Ok(_) => continue,
            }
        }
    }
}

pub const CONVERSATION_EVENTS: &str =
    "subscription($c: ID!, $after: ID) { conversationEvents(conversationId: $c, after: $after) { ... on MessageAdded { message { id seq body } } } }";

pub const SEND_MUTATION: &str = "mutation($c: ID!, $b: String!) { sendMessage(input: {conversationId: $c, body: $b}) { id } }";

/// A socket bound to source address `ip` and a port of our choosing. Binding with port
/// 0 would make the kernel search its bind table for a free port on every socket,
/// which with tens of thousands of sockets costs more CPU than the server being
/// measured; naming the port makes `bind` a single lookup. Ports cycle through a wide
/// range (a taken one is skipped), and `SO_REUSEADDR` lets a port whose earlier
/// connection is in TIME_WAIT be bound again.
pub fn bound_socket(ip: IpAddr) -> Result<TcpSocket> {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    const FIRST: u32 = 10_000;
    const PORTS: u32 = 55_000;
    let mut last = String::new();
    for _ in 0..64 {
        let port = (FIRST + NEXT.fetch_add(1, Ordering::Relaxed) % PORTS) as u16;
        let sock = if ip.is_ipv4() { TcpSocket::new_v4() } else { TcpSocket::new_v6() }.map_err(|e| e.to_string())?;
        sock.set_reuseaddr(true).map_err(|e| e.to_string())?;
        match sock.bind(SocketAddr::new(ip, port)) {
            Ok(()) => return Ok(sock),
            Err(e) => last = e.to_string(),
        }
    }
    Err(format!("bind {ip}: no free port ({last})"))
}

/// Connects from source address `ip`; a port whose 4-tuple is still in TIME_WAIT is
/// skipped for the next.
pub async fn connect_from(ip: IpAddr, addr: SocketAddr) -> Result<TcpStream> {
    let mut tries = 0;
    loop {
        match bound_socket(ip)?.connect(addr).await {
            Ok(s) => return Ok(s),
            Err(e) if e.kind() == std::io::ErrorKind::AddrNotAvailable && tries < 16 => tries += 1,
            Err(e) => return Err(format!("connect: {e}")),
        }
    }
}

/// Source addresses 127.0.0.1 .. 127.0.0.n, so no single address runs out of ports.
pub fn loopback_sources(n: usize) -> Vec<IpAddr> {
    (1..=n.max(1)).map(|i| IpAddr::from([127, 0, (i / 250) as u8, (i % 250 + 1) as u8])).collect()
}
