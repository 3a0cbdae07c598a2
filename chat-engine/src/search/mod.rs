//! Full-text search (tantivy) of a server's messages or of the caller's DMs: whole words and
//! parts of words, filters by channel, author, date and what a message has; results limited
//! to the channels the caller can view, best first or newest first, with the matches
//! highlighted.

use std::time::Duration;

use crate::engine::Engine;
use crate::error::{Error, ResourceKind, Result};
use crate::id::{ChannelId, ServerId, UserId};
use crate::limits::{MAX_OFFSET, MAX_QUERY, MAX_RESULTS};
use crate::model::{SearchHit, SearchQuery, SearchResults};
use crate::permissions::context;
use crate::search_index::Scope;
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
        check(&query)?;
        context(&self.read()?, server, actor)?;
        let channels: Vec<ChannelId> = self
            .list_channels(actor, server)?
            .into_iter()
            .map(|c| c.id)
            .collect();
        self.search(actor, Scope::Server(server), channels, query)
            .await
    }

    /// Searches the caller's DMs and group DMs.
    pub async fn search_private_messages(
        &self,
        actor: UserId,
        query: SearchQuery,
    ) -> Result<SearchResults> {
        check(&query)?;
        let channels: Vec<ChannelId> = self
            .list_dm_channels(actor)?
            .into_iter()
            .map(|c| c.id)
            .collect();
        self.search(actor, Scope::Private, channels, query).await
    }

    /// Waits until every message committed so far is searchable (after a rebuild of the
    /// index, say); answers how many events that covered.
    pub async fn wait_until_searchable(&self) -> Result<u64> {
        let Some(search) = self.search_index() else {
            return Ok(0);
        };
        let target = self.last_seq();
        let mut indexed = search.indexed;
        search.flusher.flush(target);
        let _ = indexed.wait_for(|seq| *seq >= target).await;
        Ok(target)
    }

    /// Searches `channels` (those the caller can view in the scope), narrowed to the query's
    /// channel if it names one of them.
    async fn search(
        &self,
        actor: UserId,
        scope: Scope,
        mut channels: Vec<ChannelId>,
        query: SearchQuery,
    ) -> Result<SearchResults> {
        let Some(search) = self.search_index() else {
            return Err(Error::validation(
                "q",
                "search is not enabled in this engine",
            ));
        };
        if let Some(only) = query.channel_id {
            if !channels.contains(&only) {
                return Err(Error::not_found(ResourceKind::Channel, only));
            }
            channels = vec![only];
        }
        if channels.is_empty() {
            return Ok(SearchResults {
                messages: Vec::new(),
                total: 0,
            });
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
        let limit = query.limit.unwrap_or(25);
        let offset = query.offset.unwrap_or(0);
        let (total, hits) = search
            .index
            .search(scope, &channels, &query, limit, offset)?;
        let reader = self.read()?;
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

/// Checks a query's values.
fn check(query: &SearchQuery) -> Result<()> {
    let text = query.q.trim();
    if text.is_empty() || text.chars().count() > MAX_QUERY {
        return Err(Error::validation(
            "q",
            format!("must be 1 to {MAX_QUERY} characters"),
        ));
    }
    if !(1..=MAX_RESULTS).contains(&query.limit.unwrap_or(25)) {
        return Err(Error::validation(
            "limit",
            format!("must be 1 to {MAX_RESULTS}"),
        ));
    }
    if query.offset.unwrap_or(0) > MAX_OFFSET {
        return Err(Error::validation(
            "offset",
            format!("must be at most {MAX_OFFSET}"),
        ));
    }
    if query
        .has
        .as_deref()
        .is_some_and(|h| !matches!(h, "attachment" | "image" | "embed" | "link"))
    {
        return Err(Error::validation(
            "has",
            "must be attachment, image, embed or link",
        ));
    }
    if query
        .sort
        .as_deref()
        .is_some_and(|s| !matches!(s, "relevance" | "date"))
    {
        return Err(Error::validation("sort", "must be relevance or date"));
    }
    Ok(())
}
