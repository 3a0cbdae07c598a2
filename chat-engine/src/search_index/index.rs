//! The tantivy index of messages: schema, indexing, queries and highlighting.

use std::path::Path;

use tantivy::collector::{Count, TopDocs};
use tantivy::directory::MmapDirectory;
use tantivy::query::{
    BooleanQuery, BoostQuery, InvertedIndexRangeQuery, Occur, Query, QueryParser, RangeQuery,
    TermQuery,
};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TEXT, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, Order};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use crate::error::{Error, Result, StorageError};
use crate::id::{ChannelId, MessageId, ServerId};
use crate::model::{Message, SearchQuery};

#[derive(Debug, Clone, Copy)]
struct Fields {
    id: Field,
    channel_id: Field,
    server_id: Field,
    author_id: Field,
    content: Field,
    /// Every end of every word from its third-last letter on, lowercased and cut to 12
    /// letters: a part of a word is the start of one of them, so `quok` and `okka` find
    /// `quokka` by a prefix of these terms (a word of n letters adds n - 2 terms, not every
    /// part's n²/2).
    parts: Field,
    created_at: Field,
    has: Field,
}

/// The shortest and longest part of a word that is searched for.
const SHORTEST_PART: usize = 3;
const LONGEST_PART: usize = 12;

/// Where a search looks: a server's channels, or the caller's DMs.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Scope {
    /// A server's messages.
    Server(ServerId),
    /// Messages outside any server (DMs and group DMs).
    Private,
}

/// A hit: the message's channel and id, and its highlighted content.
pub(crate) type Hit = (ChannelId, MessageId, String);

/// The searching side of the message index, shared by every search.
#[derive(Clone)]
pub(crate) struct MessageIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
}

/// The writing side, owned by the indexer thread.
pub(crate) struct MessageWriter {
    writer: IndexWriter,
    reader: IndexReader,
    fields: Fields,
    index: Index,
}

impl std::fmt::Debug for MessageIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MessageIndex")
    }
}

fn failed(error: impl std::fmt::Display) -> Error {
    StorageError::new(format!("search index: {error}")).into()
}

impl MessageWriter {
    /// The sequence number the last commit indexed up to.
    pub(crate) fn indexed_seq(&self) -> Result<u64> {
        let metas = self.index.load_metas().map_err(failed)?;
        Ok(metas.payload.and_then(|p| p.parse().ok()).unwrap_or(0))
    }

    /// Adds a message (an edited one is removed first: tantivy applies every delete to every
    /// segment at commit, so new messages skip it).
    pub(crate) fn put(&mut self, server: Option<ServerId>, message: &Message) -> Result<()> {
        let f = self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, message.id.to_string());
        doc.add_text(f.channel_id, message.channel_id.to_string());
        if let Some(server) = server {
            doc.add_text(f.server_id, server.to_string());
        }
        doc.add_text(f.author_id, message.author_id.to_string());
        doc.add_text(f.content, &message.content);
        for word in words(&message.content) {
            for end in word_ends(&word.to_lowercase()) {
                doc.add_text(f.parts, end);
            }
        }
        doc.add_i64(f.created_at, message.created_at.timestamp_millis());
        if !message.attachments.is_empty() {
            doc.add_text(f.has, "attachment");
        }
        if message
            .attachments
            .iter()
            .any(|a| a.content_type.starts_with("image/"))
        {
            doc.add_text(f.has, "image");
        }
        if !message.embeds.is_empty() {
            doc.add_text(f.has, "embed");
        }
        if message.content.contains("http://") || message.content.contains("https://") {
            doc.add_text(f.has, "link");
        }
        self.writer.add_document(doc).map_err(failed)?;
        Ok(())
    }

    /// Removes a message.
    pub(crate) fn remove(&mut self, id: MessageId) {
        self.writer
            .delete_term(Term::from_field_text(self.fields.id, &id.to_string()));
    }

    /// Removes everything (before a rebuild).
    pub(crate) fn clear(&mut self) -> Result<()> {
        self.writer.delete_all_documents().map_err(failed)?;
        Ok(())
    }

    /// Makes the changes durable and visible, remembering how far the log was indexed.
    pub(crate) fn commit(&mut self, seq: u64) -> Result<()> {
        let mut prepared = self.writer.prepare_commit().map_err(failed)?;
        prepared.set_payload(&seq.to_string());
        prepared.commit().map_err(failed)?;
        self.reader.reload().map_err(failed)?;
        Ok(())
    }
}

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let fields = Fields {
        id: builder.add_text_field("id", STRING | STORED),
        channel_id: builder.add_text_field("channel_id", STRING | STORED),
        server_id: builder.add_text_field("server_id", STRING),
        author_id: builder.add_text_field("author_id", STRING),
        content: builder.add_text_field("content", TEXT | STORED),
        parts: builder.add_text_field(
            "parts",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer("raw")
                    .set_index_option(IndexRecordOption::Basic),
            ),
        ),
        created_at: builder.add_i64_field("created_at", INDEXED | FAST),
        has: builder.add_text_field("has", STRING),
    };
    (builder.build(), fields)
}

/// Opens the index in a directory, or makes it anew there when it is missing or was made
/// with another schema (an older version's): the indexer then rebuilds it from the store.
fn open_dir(dir: &Path, schema: Schema) -> Result<Index> {
    std::fs::create_dir_all(dir).map_err(failed)?;
    if let Ok(existing) = Index::open_in_dir(dir)
        && existing.schema() != schema
    {
        tracing::warn!(dir = %dir.display(), "the search index has an older schema: rebuilding it");
        drop(existing);
        std::fs::remove_dir_all(dir).map_err(failed)?;
        std::fs::create_dir_all(dir).map_err(failed)?;
    }
    Index::open_or_create(MmapDirectory::open(dir).map_err(failed)?, schema).map_err(failed)
}

impl MessageIndex {
    /// Opens the index in `dir`, or in memory without one.
    pub(crate) fn open(dir: Option<&Path>) -> Result<(Self, MessageWriter)> {
        let (schema, fields) = schema();
        let index = match dir {
            Some(dir) => open_dir(dir, schema)?,
            None => Index::create_in_ram(schema),
        };
        // One indexing thread (the server's cores serve requests) with a 64 MB arena: larger
        // segments, so fewer merges rewrite each message.
        let writer = index
            .writer_with_num_threads(1, 64_000_000)
            .map_err(failed)?;
        let reader: IndexReader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(failed)?;
        let writer = MessageWriter {
            writer,
            reader: reader.clone(),
            fields,
            index: index.clone(),
        };
        Ok((
            Self {
                index,
                reader,
                fields,
            },
            writer,
        ))
    }

    /// Searches messages within the given channels of a scope; returns the total and a page
    /// of `(channel, message, highlight)`, best first or newest first.
    pub(crate) fn search(
        &self,
        scope: Scope,
        channels: &[ChannelId],
        query: &SearchQuery,
        limit: usize,
        offset: usize,
    ) -> Result<(u64, Vec<Hit>)> {
        let f = self.fields;
        let term = |field, text: String| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, &text),
                IndexRecordOption::Basic,
            ))
        };
        let mut parser = QueryParser::for_index(&self.index, vec![f.content]);
        parser.set_conjunction_by_default();
        let (words, _) = parser.parse_query_lenient(&query.q);
        let text: Box<dyn Query> = match parts_query(f.parts, &query.q) {
            // Whole words rank first; parts of words match too.
            Some(parts) => Box::new(BooleanQuery::new(vec![
                (
                    Occur::Should,
                    Box::new(BoostQuery::new(words, 2.0)) as Box<dyn Query>,
                ),
                (Occur::Should, parts),
            ])),
            None => words,
        };
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, text)];
        // DM channels hold only DM messages: for them, the channels below are the scope.
        if let Scope::Server(server) = scope {
            clauses.push((Occur::Must, term(f.server_id, server.to_string())));
        }
        let visible: Vec<(Occur, Box<dyn Query>)> = channels
            .iter()
            .map(|c| (Occur::Should, term(f.channel_id, c.to_string())))
            .collect();
        clauses.push((Occur::Must, Box::new(BooleanQuery::new(visible))));
        if let Some(author) = query.author_id {
            clauses.push((Occur::Must, term(f.author_id, author.to_string())));
        }
        if let Some(has) = &query.has {
            clauses.push((Occur::Must, term(f.has, has.clone())));
        }
        if query.after.is_some() || query.before.is_some() {
            use std::ops::Bound;
            let bound = |t: Option<crate::model::Timestamp>| {
                t.map_or(Bound::Unbounded, |t| {
                    Bound::Excluded(Term::from_field_i64(f.created_at, t.timestamp_millis()))
                })
            };
            clauses.push((
                Occur::Must,
                Box::new(RangeQuery::new(bound(query.after), bound(query.before))),
            ));
        }
        let newest_first = query.sort.as_deref() == Some("date");
        let asked = query.q.clone();
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let top_docs = TopDocs::with_limit(limit).and_offset(offset);
        let (total, top): (usize, Vec<DocAddress>) = if newest_first {
            let (total, top) = searcher
                .search(
                    &query,
                    &(
                        Count,
                        top_docs.order_by_fast_field::<i64>("created_at", Order::Desc),
                    ),
                )
                .map_err(failed)?;
            (total, top.into_iter().map(|(_, a)| a).collect())
        } else {
            let (total, top) = searcher
                .search(&query, &(Count, top_docs.order_by_score()))
                .map_err(failed)?;
            (total, top.into_iter().map(|(_, a)| a).collect())
        };
        let mut snippets =
            SnippetGenerator::create(&searcher, &query, f.content).map_err(failed)?;
        snippets.set_max_num_chars(300);
        let mut hits = Vec::with_capacity(top.len());
        for address in top {
            let doc: TantivyDocument = searcher.doc(address).map_err(failed)?;
            let text = |field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_owned()
            };
            let (Ok(channel), Ok(id)) = (text(f.channel_id).parse(), text(f.id).parse()) else {
                continue;
            };
            let snippet = snippets.snippet_from_doc(&doc);
            let highlight = if snippet.highlighted().is_empty() {
                // Matched by parts of words, which the snippet does not know: mark them.
                mark_parts(&text(f.content), &asked)
            } else {
                snippet.to_html()
            };
            hits.push((channel, id, highlight));
        }
        Ok((total as u64, hits))
    }
}

/// The parts-of-words query of plain words (each of at least three letters must appear in
/// some word); `None` for a query with operators (quotes, `-`, `OR`), which keeps to whole
/// words, or without such a word.
fn parts_query(field: Field, q: &str) -> Option<Box<dyn Query>> {
    if q.contains(['"', '-', '+', ':', '(', ')'])
        || q.split_whitespace().any(|w| w == "OR" || w == "AND")
    {
        return None;
    }
    let words: Vec<String> = q
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    if words.is_empty() || words.iter().any(|w| w.chars().count() < SHORTEST_PART) {
        return None;
    }
    let clauses = words
        .iter()
        .map(|word| {
            let part: String = word.chars().take(LONGEST_PART).collect();
            (Occur::Must, starting_with(field, &part))
        })
        .collect();
    Some(Box::new(BooleanQuery::new(clauses)))
}

/// The terms of `field` that start with `prefix`: those from `prefix` up to the string with
/// its last letter replaced by the next one (terms sort by their UTF-8 bytes, which is the
/// order of their code points).
fn starting_with(field: Field, prefix: &str) -> Box<dyn Query> {
    use std::ops::Bound;
    let mut chars = prefix.chars();
    let after = chars.next_back().and_then(|last| {
        let next = (u32::from(last) + 1..=u32::from(char::MAX)).find_map(char::from_u32)?;
        Some(format!("{}{next}", chars.as_str()))
    });
    Box::new(InvertedIndexRangeQuery::new(
        Bound::Included(Term::from_field_text(field, prefix)),
        after.map_or(Bound::Unbounded, |after| {
            Bound::Excluded(Term::from_field_text(field, &after))
        }),
    ))
}

/// The words of a text that have parts worth indexing: runs of letters and digits of at
/// least [`SHORTEST_PART`] of them.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= SHORTEST_PART)
}

/// The ends of a word that the `parts` field indexes: one from each letter that is followed
/// by at least [`SHORTEST_PART`] - 1 more, each cut to [`LONGEST_PART`] letters.
fn word_ends(word: &str) -> impl Iterator<Item = &str> {
    word.char_indices()
        .map(move |(at, _)| &word[at..])
        .take_while(|end| end.chars().nth(SHORTEST_PART - 1).is_some())
        .map(|end| match end.char_indices().nth(LONGEST_PART) {
            Some((cut, _)) => &end[..cut],
            None => end,
        })
}

/// The start of `content`, HTML-escaped, with each part of a word of the query (three letters
/// or more, any case) in `<b>`.
fn mark_parts(content: &str, q: &str) -> String {
    let start: String = content.chars().take(300).collect();
    let lower = start.to_lowercase();
    let words: Vec<String> = words(q).map(str::to_lowercase).collect();
    // Byte ranges to mark, where the lowercase text has the same length as the original.
    let mut marked = vec![false; start.len()];
    if lower.len() == start.len() {
        for word in &words {
            for (at, _) in lower.match_indices(word.as_str()) {
                marked[at..at + word.len()]
                    .iter_mut()
                    .for_each(|m| *m = true);
            }
        }
    }
    let escape = |c: char| match c {
        '&' => "&amp;".to_owned(),
        '<' => "&lt;".to_owned(),
        '>' => "&gt;".to_owned(),
        '"' => "&quot;".to_owned(),
        '\'' => "&#39;".to_owned(),
        c => c.to_string(),
    };
    let mut out = String::with_capacity(start.len() + 16);
    let mut open = false;
    for (at, c) in start.char_indices() {
        if marked[at] != open {
            out.push_str(if open { "</b>" } else { "<b>" });
            open = !open;
        }
        out.push_str(&escape(c));
    }
    if open {
        out.push_str("</b>");
    }
    out
}
