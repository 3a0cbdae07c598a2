//! Raw gateway sessions for load: small buffers, spread over several 127.0.0.x source
//! addresses (each source address has its own ~28k ephemeral ports), heartbeats, and a
//! cheap scan of dispatch frames for the load messages' send times.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// A connected, identified session.
pub type Socket = WebSocketStream<TcpStream>;

/// Where and how to connect.
#[derive(Debug, Clone)]
pub struct Target {
    /// The server's address.
    pub addr: SocketAddr,
    /// How many 127.0.0.x source addresses to spread over (1 to 250).
    pub sources: u8,
}

impl Target {
    fn source(&self, index: usize) -> Ipv4Addr {
        Ipv4Addr::new(
            127,
            0,
            0,
            1 + (index % usize::from(self.sources.max(1))) as u8,
        )
    }
}

/// Opens a socket from the `index`-th source address and reads Hello; returns the socket and
/// the heartbeat interval.
pub async fn open(target: &Target, index: usize) -> anyhow::Result<(Socket, Duration)> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(target.source(index).into(), 0))?;
    let stream = socket.connect(target.addr).await?;
    stream.set_nodelay(true)?;
    let config = WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0)
        .max_write_buffer_size(1 << 20);
    let url = format!("ws://{}/ws", target.addr);
    let (mut ws, _) =
        tokio_tungstenite::client_async_with_config(url, stream, Some(config)).await?;
    let hello = next_json(&mut ws).await?;
    anyhow::ensure!(hello["op"] == 10, "expected Hello, got {hello}");
    let interval =
        Duration::from_millis(hello["d"]["heartbeat_interval"].as_u64().unwrap_or(41_000));
    Ok((ws, interval))
}

/// Sends Identify (with `intents`, if given) and waits for READY; returns the session id and
/// READY's sequence number.
pub async fn identify(
    ws: &mut Socket,
    token: &str,
    intents: Option<u64>,
) -> anyhow::Result<(String, u64)> {
    let mut d = json!({ "token": token });
    if let Some(intents) = intents {
        d["intents"] = json!(intents);
    }
    ws.send(Message::text(json!({ "op": 2, "d": d }).to_string()))
        .await?;
    loop {
        let frame = next_json(ws).await?;
        if frame["t"] == "READY" {
            let session = frame["d"]["session_id"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            return Ok((session, frame["s"].as_u64().unwrap_or(0)));
        }
    }
}

/// Sends Resume and waits for RESUMED (or fails on Invalid Session).
pub async fn resume(
    ws: &mut Socket,
    token: &str,
    session_id: &str,
    seq: u64,
) -> anyhow::Result<u64> {
    let frame = json!({ "op": 6, "d": { "token": token, "session_id": session_id, "seq": seq } });
    ws.send(Message::text(frame.to_string())).await?;
    let mut last = seq;
    loop {
        let frame = next_json(ws).await?;
        anyhow::ensure!(frame["op"] != 9, "invalid session");
        last = frame["s"].as_u64().unwrap_or(last).max(last);
        if frame["t"] == "RESUMED" {
            return Ok(last);
        }
    }
}

async fn next_json(ws: &mut Socket) -> anyhow::Result<Value> {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(60), ws.next()).await?;
        match message {
            Some(Ok(Message::Text(text))) => return Ok(serde_json::from_str(&text)?),
            Some(Ok(Message::Close(frame))) => anyhow::bail!("closed: {frame:?}"),
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(e.into()),
            None => anyhow::bail!("the connection ended"),
        }
    }
}

/// A load message as received: when it was sent (µs since the Unix epoch) and its index.
#[derive(Debug, Clone, Copy)]
pub struct Arrival {
    /// The message's index in the run.
    pub index: u64,
    /// Microseconds from send to receipt.
    pub latency_us: u64,
}

/// The content a load message carries, so that receivers can time it.
pub fn load_content(index: u64) -> String {
    format!("lt:{}:{index}", now_us())
}

/// Microseconds since the Unix epoch.
pub fn now_us() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

fn arrival(text: &str) -> Option<Arrival> {
    let start = text.find("\"content\":\"lt:")? + "\"content\":\"lt:".len();
    let rest = &text[start..];
    let end = rest.find('"')?;
    let (sent, index) = rest[..end].split_once(':')?;
    let sent: u64 = sent.parse().ok()?;
    Some(Arrival {
        index: index.parse().ok()?,
        latency_us: now_us().saturating_sub(sent),
    })
}

/// Keeps a session alive (heartbeats) and reports load-message arrivals until the socket
/// closes; counts every dispatch in `dispatched`.
pub async fn hold(
    mut ws: Socket,
    interval: Duration,
    arrivals: Option<(usize, mpsc::UnboundedSender<(usize, Arrival)>)>,
    dispatched: Arc<AtomicU64>,
) {
    let mut heartbeat = tokio::time::interval(interval);
    heartbeat.tick().await;
    loop {
        tokio::select! {
            message = ws.next() => match message {
                Some(Ok(Message::Text(text))) => {
                    dispatched.fetch_add(1, Ordering::Relaxed);
                    if let (Some((index, sink)), Some(arrived)) = (&arrivals, arrival(&text)) {
                        let _ = sink.send((*index, arrived));
                    }
                }
                Some(Ok(_)) => {}
                _ => return,
            },
            _ = heartbeat.tick() => {
                if ws.send(Message::text(r#"{"op":1,"d":null}"#)).await.is_err() {
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn arrivals_are_read_from_frames() {
        let content = super::load_content(42);
        let frame = format!(
            r#"{{"op":0,"s":9,"t":"MESSAGE_CREATE","d":{{"content":"{content}","id":"x"}}}}"#
        );
        let arrival = super::arrival(&frame).unwrap();
        assert_eq!(arrival.index, 42);
        assert!(arrival.latency_us < 10_000_000);
        assert!(super::arrival(r#"{"op":0,"d":{"content":"hello"}}"#).is_none());
    }
}
