//! Message search: the query and its results.

use serde::{Deserialize, Serialize};

use super::{Message, Timestamp};
use crate::id::{ChannelId, UserId};

/// What to search for in a server's messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct SearchQuery {
    /// Only messages after this time.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(value_type = Option<String>, format = DateTime))]
    pub after: Option<Timestamp>,
    /// Only messages by this author.
    #[serde(default)]
    pub author_id: Option<UserId>,
    /// Only messages before this time.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(value_type = Option<String>, format = DateTime))]
    pub before: Option<Timestamp>,
    /// Only messages in this channel.
    #[serde(default)]
    pub channel_id: Option<ChannelId>,
    /// Only messages with an `attachment`, an `image`, an `embed` or a `link`.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        param(pattern = "^(attachment|image|embed|link)$")
    )]
    pub has: Option<String>,
    /// How many results (1 to 100; 25 when left out).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 100))]
    pub limit: Option<usize>,
    /// How many results to skip (up to 5,000).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(maximum = 5000))]
    pub offset: Option<usize>,
    /// `relevance` (the default: best first) or `date` (newest first).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(pattern = "^(relevance|date)$"))]
    pub sort: Option<String>,
    /// The words to find (1 to 512 characters); parts of words of three letters or more
    /// match too (`quok` finds `quokka`); `"phrases"`, `-excluded`, `a OR b` work on whole
    /// words.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        param(required = true, min_length = 1, max_length = 512, pattern = "\\S")
    )]
    pub q: String,
}

/// A page of search results, best matches first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchResults {
    /// The matching messages on this page.
    pub messages: Vec<SearchHit>,
    /// How many messages match in all.
    pub total: u64,
}

/// A matching message with the matched words highlighted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchHit {
    /// The content with matches in `<b>` tags, HTML-escaped.
    pub highlight: String,
    /// The message.
    #[serde(flatten)]
    pub message: Message,
}
