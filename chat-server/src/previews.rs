//! Link previews for the engine: the page behind a message's link is fetched and its Open
//! Graph tags (or its title) become an `Embed` of type `link`. Only public addresses are
//! fetched: a name is resolved first and every address it gives is checked (no loopback,
//! private, link-local, shared, multicast or reserved address, unless the operator allows
//! that address), and the connection goes to the checked address, so a second lookup cannot
//! swap it. Each redirect (three at most) is checked the same way. A fetch takes at most 5 s
//! and reads at most 512 KiB of HTML.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use chat_engine::model::Embed;
use chat_engine::previews::{LinkPreviewer, PreviewFuture};
use reqwest::Url;
use reqwest::header::{CONTENT_TYPE, LOCATION, USER_AGENT};

/// Most redirects followed.
const MAX_REDIRECTS: usize = 3;
/// Most bytes of a page read.
const MAX_BYTES: usize = 512 * 1024;
/// Longest time for one fetch, redirects included.
const TIMEOUT: Duration = Duration::from_secs(5);

/// Fetches previews from the public web (and from the addresses `allowed`).
#[derive(Debug, Clone, Default)]
pub struct PagePreviewer {
    allowed: Vec<IpAddr>,
}

impl PagePreviewer {
    /// A previewer that may also fetch from these (otherwise refused) addresses.
    pub fn new(allowed: Vec<IpAddr>) -> Self {
        Self { allowed }
    }

    /// Whether a connection to this address is allowed.
    fn permitted(&self, ip: IpAddr) -> bool {
        self.allowed.contains(&ip) || is_public(ip)
    }

    async fn fetch(&self, link: &str) -> Option<Embed> {
        let mut url = Url::parse(link).ok()?;
        for _ in 0..=MAX_REDIRECTS {
            if !matches!(url.scheme(), "http" | "https") {
                return None;
            }
            let host = url.host_str()?.trim_matches(['[', ']']).to_owned();
            let port = url.port_or_known_default()?;
            let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
                .await
                .ok()?
                .collect();
            if addresses.is_empty() || !addresses.iter().all(|a| self.permitted(a.ip())) {
                tracing::debug!(%url, "a link preview to a refused address");
                return None;
            }
            let client = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(TIMEOUT)
                .resolve(&host, addresses[0])
                .build()
                .ok()?;
            let mut response = client
                .get(url.clone())
                .header(
                    USER_AGENT,
                    "chat-link-preview/1 (+https://example.invalid/chat)",
                )
                .send()
                .await
                .ok()?;
            if response.status().is_redirection() {
                let location = response.headers().get(LOCATION)?.to_str().ok()?;
                url = url.join(location).ok()?;
                continue;
            }
            let html = response
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|t| t.starts_with("text/html"));
            if !response.status().is_success() || !html {
                return None;
            }
            let mut page = Vec::new();
            while let Ok(Some(chunk)) = response.chunk().await {
                page.extend_from_slice(&chunk);
                if page.len() >= MAX_BYTES {
                    page.truncate(MAX_BYTES);
                    break;
                }
            }
            return embed_of(&String::from_utf8_lossy(&page), &url);
        }
        None
    }
}

impl LinkPreviewer for PagePreviewer {
    fn preview<'a>(&'a self, url: &'a str) -> PreviewFuture<'a> {
        Box::pin(self.fetch(url))
    }
}

/// Whether an address is on the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_unspecified()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b)) // shared (carrier-grade NAT)
                || (a == 198 && (b == 18 || b == 19)) // benchmarking
                || a >= 240) // reserved
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local
                || (first & 0xffc0) == 0xfe80 // link-local
                || first == 0x2001 && v6.segments()[1] == 0x0db8) // documentation
        }
    }
}

/// The preview of a page: its `og:` title, description and image, else its `<title>`.
fn embed_of(page: &str, url: &Url) -> Option<Embed> {
    let mut title = String::new();
    let mut description = String::new();
    let mut image = String::new();
    let lower = page.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = lower[from..].find("<meta") {
        let start = from + at;
        let end = lower[start..].find('>').map_or(lower.len(), |e| start + e);
        let tag = &page[start..end];
        let key = attribute(tag, "property")
            .or_else(|| attribute(tag, "name"))
            .unwrap_or_default();
        let content = attribute(tag, "content").unwrap_or_default();
        match key.to_ascii_lowercase().as_str() {
            "og:title" => title = content,
            "og:description" | "description"
                if description.is_empty() || key == "og:description" =>
            {
                description = content;
            }
            "og:image" => image = content,
            _ => {}
        }
        from = end;
    }
    if title.is_empty()
        && let Some(start) = lower.find("<title")
        && let Some(open_end) = lower[start..].find('>')
        && let Some(close) = lower[start..].find("</title>")
    {
        title = decode(
            page.get(start + open_end + 1..start + close)
                .unwrap_or_default()
                .trim(),
        );
    }
    let image = url
        .join(&image)
        .ok()
        .filter(|u| !image.is_empty() && u.scheme() == "https");
    let clip = |text: String, most: usize| text.chars().take(most).collect::<String>();
    (!title.is_empty() || !description.is_empty()).then(|| Embed {
        kind: "link".into(),
        title: clip(title, 256),
        description: clip(description, 1024),
        url: url.to_string(),
        image_url: image.map(String::from).unwrap_or_default(),
        ..Embed::default()
    })
}

/// The value of an attribute of a tag, entities decoded.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = lower[from..].find(name) {
        let start = from + at;
        from = start + name.len();
        let before_ok = start == 0 || lower.as_bytes()[start - 1].is_ascii_whitespace();
        let rest = lower[from..].trim_start();
        if !before_ok || !rest.starts_with('=') {
            continue;
        }
        let value_at = tag.len() - rest.len() + 1;
        let value = tag[value_at..].trim_start();
        let (quote, body) = match value.chars().next()? {
            q @ ('"' | '\'') => (Some(q), &value[1..]),
            _ => (None, value),
        };
        let end = match quote {
            Some(q) => body.find(q)?,
            None => body
                .find(|c: char| c.is_whitespace() || c == '/')
                .unwrap_or(body.len()),
        };
        return Some(decode(&body[..end]));
    }
    None
}

/// Decodes the common entities.
fn decode(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn only_public_addresses_are_fetched() -> TestResult {
        for refused in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "fe80::1",
            "fc00::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "2001:db8::1",
        ] {
            assert!(!is_public(refused.parse()?), "{refused}");
        }
        for public in ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"] {
            assert!(is_public(public.parse()?), "{public}");
        }
        let allowed = PagePreviewer::new(vec!["127.0.0.1".parse()?]);
        assert!(allowed.permitted("127.0.0.1".parse()?));
        assert!(!allowed.permitted("127.0.0.2".parse()?));
        Ok(())
    }

    #[test]
    fn open_graph_wins_over_the_title() -> TestResult {
        let url = Url::parse("https://site.example/a")?;
        let page = r#"<html><head><title>Plain</title>
            <meta property="og:title" content="Rich &amp; &quot;quoted&quot;">
            <meta name=description content=fallback>
            <meta property='og:description' content='The real one'>
            <meta property="og:image" content="/cover.png"></head></html>"#;
        let embed = embed_of(page, &url).ok_or("no embed")?;
        assert_eq!(embed.kind, "link");
        assert_eq!(embed.title, "Rich & \"quoted\"");
        assert_eq!(embed.description, "The real one");
        assert_eq!(embed.image_url, "https://site.example/cover.png");
        let titled = embed_of("<title> Just a title </title>", &url).ok_or("no embed")?;
        assert_eq!(titled.title, "Just a title");
        // Broken markup yields nothing rather than a panic.
        for broken in [
            "<title</title>",
            "<title>",
            "<meta property=",
            "<meta content='x",
        ] {
            assert!(embed_of(broken, &url).is_none(), "{broken}");
        }
        assert!(embed_of("<p>nothing to show</p>", &url).is_none());
        Ok(())
    }
}
