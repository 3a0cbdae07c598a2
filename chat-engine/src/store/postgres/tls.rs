//! TLS to PostgreSQL, with rustls. A connection string asks for it as libpq's do:
//!
//! - `sslmode` absent or `disable`: plain TCP;
//! - `prefer`: TLS when the server offers it, plain TCP when it does not;
//! - `require`, `verify-ca`, `verify-full`: TLS or no connection.
//!
//! Whenever TLS is used, the server's certificate is verified against the roots and the host
//! name, whatever the mode says (libpq's `prefer` and `require` skip that, which lets anyone
//! on the path read the traffic). The roots are those of [`crate::tls`]: the PEM file
//! `sslrootcert` names (a managed database's or your own authority), or the public ones.

use std::future::Future;
use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use percent_encoding::percent_decode_str;
use rustls::ClientConfig;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::config::SslMode;
use tokio_postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect, TlsStream};

use crate::error::StorageError;

/// How connections to the server are made: plain, or over TLS with this configuration.
#[derive(Clone, Default)]
pub(super) struct Tls(Option<Arc<ClientConfig>>);

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Tls(on)"
        } else {
            "Tls(off)"
        })
    }
}

/// Takes the TLS settings out of a connection string (a `postgres://` URL or `key=value`
/// pairs): the string without them, for tokio-postgres (which knows neither `sslrootcert`
/// nor the `verify-` modes), the mode it is to use, and how to make TLS connections.
pub(super) fn take_tls(url: &str) -> Result<(String, SslMode, Tls), StorageError> {
    let mut mode = None;
    let mut root_cert = None;
    let mut take = |key: &str, value: &str| match key {
        "sslmode" => {
            mode = Some(value.to_owned());
            true
        }
        "sslrootcert" => {
            root_cert = Some(PathBuf::from(value));
            true
        }
        _ => false,
    };
    let is_url = url.starts_with("postgres://") || url.starts_with("postgresql://");
    let rest = if is_url {
        match url.split_once('?') {
            Some((base, query)) => {
                let kept: Vec<&str> = query
                    .split('&')
                    .filter(|pair| {
                        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                        !take(key, &percent_decode_str(value).decode_utf8_lossy())
                    })
                    .collect();
                if kept.is_empty() {
                    base.to_owned()
                } else {
                    format!("{base}?{}", kept.join("&"))
                }
            }
            None => url.to_owned(),
        }
    } else {
        let taken: Vec<_> = key_values(url)?
            .into_iter()
            .filter(|pair| take(&pair.key, &pair.value))
            .map(|pair| pair.span)
            .collect();
        let mut rest = url.to_owned();
        // From the end, so that the spans before each stay where they are.
        for span in taken.into_iter().rev() {
            rest.replace_range(span, "");
        }
        if rest.len() < url.len() {
            rest.truncate(rest.trim_end().len());
        }
        rest
    };
    let mode = match mode.as_deref() {
        None | Some("disable") => SslMode::Disable,
        Some("prefer") => SslMode::Prefer,
        Some("require" | "verify-ca" | "verify-full") => SslMode::Require,
        Some(other) => {
            return Err(StorageError::new(format!(
                "invalid PostgreSQL URL: sslmode {other:?} is none of disable, prefer, \
                 require, verify-ca and verify-full"
            )));
        }
    };
    let tls = if mode == SslMode::Disable {
        Tls::default()
    } else {
        Tls(Some(Arc::new(crate::tls::client_config(
            root_cert.as_deref(),
            "sslrootcert",
        )?)))
    };
    Ok((rest, mode, tls))
}

/// One `key = value` of a libpq connection string, and the bytes it spans there (with the
/// whitespace after it).
#[derive(Debug)]
struct KeyValue {
    key: String,
    value: String,
    span: std::ops::Range<usize>,
}

/// Reads a libpq `key=value` connection string as libpq does: pairs apart by whitespace,
/// spaces allowed around `=`, a value in single quotes may hold spaces, and a backslash
/// takes the next character as it is (`\'` or `\\`).
fn key_values(text: &str) -> Result<Vec<KeyValue>, StorageError> {
    let invalid =
        |why: &str| StorageError::new(format!("invalid PostgreSQL connection string: {why}"));
    let mut chars = text.char_indices().peekable();
    let skip_spaces = |chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>| {
        while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
    };
    let mut pairs = Vec::new();
    skip_spaces(&mut chars);
    while let Some(&(start, _)) = chars.peek() {
        let mut key = String::new();
        while let Some((_, c)) = chars.next_if(|(_, c)| *c != '=' && !c.is_whitespace()) {
            key.push(c);
        }
        if key.is_empty() {
            return Err(invalid("a value has no key"));
        }
        skip_spaces(&mut chars);
        if chars.next_if(|(_, c)| *c == '=').is_none() {
            return Err(invalid(&format!("{key:?} has no \"=\"")));
        }
        skip_spaces(&mut chars);
        let quoted = chars.next_if(|(_, c)| *c == '\'').is_some();
        let mut value = String::new();
        let mut closed = !quoted;
        while let Some((_, c)) = chars.next_if(|(_, c)| quoted || !c.is_whitespace()) {
            match c {
                '\\' => value.extend(chars.next().map(|(_, c)| c)),
                '\'' if quoted => {
                    closed = true;
                    break;
                }
                c => value.push(c),
            }
        }
        if !closed {
            return Err(invalid(&format!(
                "the value of {key:?} has no closing quote"
            )));
        }
        skip_spaces(&mut chars);
        let end = chars.peek().map_or(text.len(), |&(at, _)| at);
        pairs.push(KeyValue {
            key,
            value,
            span: start..end,
        });
    }
    Ok(pairs)
}

impl<S> MakeTlsConnect<S> for Tls
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = Encrypted<S>;
    type TlsConnect = Handshake;
    type Error = io::Error;

    /// Called for every host, TLS or not (a Unix socket's path, say): only a handshake that
    /// is started looks at the name.
    fn make_tls_connect(&mut self, host: &str) -> io::Result<Handshake> {
        Ok(Handshake {
            config: self.0.clone(),
            host: host.to_owned(),
        })
    }
}

/// The TLS handshake with one server.
#[derive(Debug)]
pub(super) struct Handshake {
    config: Option<Arc<ClientConfig>>,
    host: String,
}

impl<S> TlsConnect<S> for Handshake
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = Encrypted<S>;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<Encrypted<S>>> + Send>>;

    fn connect(self, stream: S) -> Self::Future {
        Box::pin(async move {
            let config = self
                .config
                .ok_or_else(|| io::Error::other("the connection string does not ask for TLS"))?;
            let host = ServerName::try_from(self.host)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
            let stream = tokio_rustls::TlsConnector::from(config)
                .connect(host, stream)
                .await?;
            Ok(Encrypted(stream))
        })
    }
}

/// A connection's socket, encrypted.
#[derive(Debug)]
pub(super) struct Encrypted<S>(tokio_rustls::client::TlsStream<S>);

impl<S: AsyncRead + AsyncWrite + Unpin> TlsStream for Encrypted<S> {
    fn channel_binding(&self) -> ChannelBinding {
        // SCRAM authenticates without channel binding; the certificate check above is what
        // keeps a man in the middle out.
        ChannelBinding::none()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for Encrypted<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for Encrypted<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tls_settings_are_taken_out_of_urls() -> Result<(), StorageError> {
        let (rest, mode, tls) =
            take_tls("postgres://u@db:5432/chat?sslmode=require&application_name=x")?;
        assert_eq!(rest, "postgres://u@db:5432/chat?application_name=x");
        assert_eq!(mode, SslMode::Require);
        assert!(tls.0.is_some());

        let (rest, mode, tls) = take_tls("postgres://u@db/chat")?;
        assert_eq!(
            (rest.as_str(), mode),
            ("postgres://u@db/chat", SslMode::Disable)
        );
        assert!(tls.0.is_none(), "plain unless asked");
        Ok(())
    }

    #[test]
    fn key_value_strings_keep_everything_but_the_tls_settings_as_written()
    -> Result<(), StorageError> {
        let spaced = "host=db  password='a  b?c'";
        assert_eq!(
            take_tls(spaced)?.0,
            spaced,
            "untouched without TLS settings"
        );
        let (rest, mode, _) = take_tls("host=db user=u sslmode=verify-full dbname=chat")?;
        assert_eq!(
            (rest.as_str(), mode),
            ("host=db user=u dbname=chat", SslMode::Require)
        );
        let (rest, mode, _) = take_tls("password='two  spaces' sslmode = 'require'  host=db")?;
        assert_eq!(rest, "password='two  spaces' host=db");
        assert_eq!(mode, SslMode::Require);

        let (rest, mode, _) = take_tls(r"password='a \' sslmode=disable b' user=u sslmode=prefer")?;
        assert_eq!(
            (rest.as_str(), mode),
            (r"password='a \' sslmode=disable b' user=u", SslMode::Prefer),
            "a setting inside a quoted value is not one"
        );
        Ok(())
    }

    #[test]
    fn malformed_key_value_strings_are_refused_with_their_reason() {
        let error = take_tls("host=db sslmode").unwrap_err();
        assert!(
            error.to_string().contains("\"sslmode\" has no \"=\""),
            "{error}"
        );
        let error = take_tls("host=db password='open").unwrap_err();
        assert!(error.to_string().contains("no closing quote"), "{error}");
        let error = take_tls("host=db =x").unwrap_err();
        assert!(error.to_string().contains("has no key"), "{error}");
    }

    #[test]
    fn bad_tls_settings_are_refused_with_their_reason() {
        let error = take_tls("postgres://db/chat?sslmode=allow").unwrap_err();
        assert!(error.to_string().contains("sslmode \"allow\""), "{error}");
        let missing = "postgres://db/chat?sslmode=require&sslrootcert=%2Fno%2Fsuch.pem";
        let error = take_tls(missing).unwrap_err();
        assert!(
            error.to_string().contains("sslrootcert /no/such.pem"),
            "{error}"
        );
    }
}
