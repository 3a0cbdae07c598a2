//! Link previews: the seam through which the engine asks for an `Embed` of type `link` for
//! a URL a message carries. The engine never fetches anything itself; an application plugs a
//! [`LinkPreviewer`] in (the server's fetches the page's Open Graph and title tags, refusing
//! private addresses). Previews are fetched after the message is sent and added with a
//! `MESSAGE_UPDATE`.

use std::future::Future;
use std::pin::Pin;

use crate::model::Embed;

/// A preview being made: the embed, or `None` when the URL has nothing to show (or may not
/// be fetched).
pub type PreviewFuture<'a> = Pin<Box<dyn Future<Output = Option<Embed>> + Send + 'a>>;

/// Makes link previews.
pub trait LinkPreviewer: Send + Sync + 'static {
    /// The preview of one `http(s)` URL.
    fn preview<'a>(&'a self, url: &'a str) -> PreviewFuture<'a>;
}
