//! Full-text search of a server's messages (tantivy): filters by channel, author, date and
//! what a message has; results limited to the channels the caller can view, best first,
//! with the matches highlighted.

use std::time::Duration;

use crate::engine::Engine;
use crate::error::{Error, ResourceKind, Result};
use crate::id::{ServerId, UserId};
use crate::limits::{MAX_OFFSET, MAX_QUERY, MAX_RESULTS};
use crate::model::{SearchHit, SearchQuery, SearchResults};
use crate::permissions::context;
use crate::store::MessageStore;

impl Engine {
    /// Searches a server's messages (members only; only channels the caller can view). The
    /// search sees every message whose send returned before it was called.
    pub async fn search_messages(
        &self,
        actor: UserId,
        server: ServerId,
        query: SearchQuery,
    ) -> Result<SearchResults> {
        let text = query.q.trim();
        if text.is_empty() || text.chars().count() > MAX_QUERY {
            return Err(Error::validation(
                "q",
                format!("must be 1 to {MAX_QUERY} characters"),
            ));
        }
        let limit = query.limit.unwrap_or(25);
        if !(1..=MAX_RESULTS).contains(&limit) {
            return Err(Error::validation(
                "limit",
                format!("must be 1 to {MAX_RESULTS}"),
            ));
        }
        let offset = query.offset.unwrap_or(0);
        if offset > MAX_OFFSET {
            return Err(Error::validation(
                "offset",
                format!("must be at most {MAX_OFFSET}"),
            ));
        }
        if query
            .has
            .as_deref()
            .is_some_and(|h| !matches!(h, "attachment" | "embed" | "link"))
        {
            return Err(Error::validation(
                "has",
                "must be attachment, embed or link",
            ));
        }
        let Some(search) = self.search_index() else {
            return Err(Error::validation(
                "q",
                "search is not enabled in this engine",
            ));
        };
        let mut channels: Vec<_> = self
            .list_channels(actor, server)?
            .into_iter()
            .map(|c| c.id)
            .collect();
        if let Some(only) = query.channel_id {
            if !channels.contains(&only) {
                return Err(Error::not_found(ResourceKind::Channel, only));
            }
            channels = vec![only];
        }
        let target = self.last_seq();
        // Read-your-writes: have the indexer commit every event committed so far, and wait
        // (briefly) for it.
        let mut indexed = search.indexed;
        if *indexed.borrow() < target {
            search.flusher.flush(target);
            let _ = tokio::time::timeout(
                Duration::from_secs(5),
                indexed.wait_for(|seq| *seq >= target),
            )
            .await;
        }
        let (total, hits) = search
            .index
            .search(server, &channels, &query, limit, offset)?;
        let reader = self.read()?;
        context(&reader, server, actor)?;
        let mut messages = Vec::with_capacity(hits.len());
        for (channel, id, highlight) in hits {
            if let Some(mut message) = reader.fetch_message(channel, id)? {
                message.reactions = reader.list_reaction_summary(channel, id, actor)?;
                messages.push(SearchHit { highlight, message });
            }
        }
        Ok(SearchResults { messages, total })
    }
}
