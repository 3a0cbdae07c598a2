//! Message markup: markdown (pulldown-cmark) with the chat's own passes, rendered to HTML that
//! an allow-list sanitizer (ammonia) keeps safe, and the mentions found on the way.
//!
//! The passes run on pulldown-cmark's events, so that nothing inside code (inline or fenced)
//! is ever a mention, a link, a spoiler or an emoji:
//!
//! - raw HTML in the text stays text (it is shown, not interpreted);
//! - `||spoilers||` become `<span class="spoiler">` (paired within a block; a lone `||`
//!   stays as written);
//! - `<@USER>`, `<@&ROLE>`, `<#CHANNEL>` and `@username` become
//!   `<span class="mention" data-user-id=…>` (and `data-role-id`, `data-channel-id`) with the
//!   name the [`Directory`] gives; `@everyone` and `@here` are noted;
//! - `:shortcode:` becomes its Unicode emoji;
//! - bare `http(s)://` URLs become links;
//! - images become links to their address (no remote image loads from message text).
//!
//! Links carry `rel="noopener noreferrer nofollow"`; only http, https and mailto links
//! survive.

mod inline;
mod sanitize;

use pulldown_cmark::{
    CowStr, Event, LinkType, Options, Parser, Tag, TagEnd, TextMergeStream, html,
};

use crate::id::{ChannelId, RoleId, UserId};

/// Most mentions a message looks up (found or not); later ones stay text.
pub(crate) const MAX_MENTIONS: usize = 50;

/// Most links of a message that are kept for previews.
pub(crate) const MAX_LINKS: usize = 3;

/// What the renderer may ask about the place a message is posted in.
pub(crate) trait Directory {
    /// A member of the channel's server (a participant of a DM) by username, any case: their
    /// id and the name to show.
    fn member_named(&mut self, username: &str) -> Option<(UserId, String)>;

    /// A user by id: the name to show and whether they are a member (a participant).
    fn user(&mut self, id: UserId) -> Option<(String, bool)>;

    /// A role of the channel's server: its name and whether anyone may mention it.
    fn role(&mut self, id: RoleId) -> Option<(String, bool)>;

    /// A channel of the same server: its name.
    fn channel(&mut self, id: ChannelId) -> Option<String>;
}

/// A directory that knows nobody: mentions by id render as written, names stay text.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Nobody;

impl Directory for Nobody {
    fn member_named(&mut self, _: &str) -> Option<(UserId, String)> {
        None
    }

    fn user(&mut self, _: UserId) -> Option<(String, bool)> {
        None
    }

    fn role(&mut self, _: RoleId) -> Option<(String, bool)> {
        None
    }

    fn channel(&mut self, _: ChannelId) -> Option<String> {
        None
    }
}

/// The mentions a message makes, as written and resolved (permissions are the caller's
/// business: whether a role or everyone may be pinged depends on the author).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Mentions {
    /// Members mentioned, by id or username, in order, once each.
    pub(crate) users: Vec<UserId>,
    /// Roles mentioned that exist, with whether they are mentionable.
    pub(crate) roles: Vec<(RoleId, bool)>,
    /// Channels mentioned that exist.
    pub(crate) channels: Vec<ChannelId>,
    /// `@everyone` outside code.
    pub(crate) everyone: bool,
    /// `@here` outside code.
    pub(crate) here: bool,
}

/// Rendered markup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rendered {
    /// Sanitized HTML.
    pub(crate) html: String,
    /// What it mentions.
    pub(crate) mentions: Mentions,
    /// Its first http(s) links outside code (bare or written as links), once each, for
    /// previews.
    pub(crate) links: Vec<String>,
}

/// Whether the text may hold a mention, so that a caller can skip opening a directory.
pub(crate) fn may_mention(markdown: &str) -> bool {
    markdown.contains(['@', '#'])
}

/// Renders markdown with the chat's passes.
pub(crate) fn render(markdown: &str, directory: &mut dyn Directory) -> Rendered {
    let events: Vec<Event<'_>> =
        TextMergeStream::new(Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH)).collect();
    let spoilers = inline::paired_spoilers(&events);
    let mut mentions = Mentions::default();
    let mut out = Vec::with_capacity(events.len());
    let mut code_block = false;
    let mut link_depth = 0_usize;
    let mut budget = MAX_MENTIONS;
    let mut links: Vec<String> = Vec::new();
    for (index, event) in events.into_iter().enumerate() {
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                code_block = true;
                out.push(Event::Start(Tag::CodeBlock(kind)));
            }
            Event::End(TagEnd::CodeBlock) => {
                code_block = false;
                out.push(Event::End(TagEnd::CodeBlock));
            }
            Event::Start(Tag::Link { ref dest_url, .. }) => {
                link_depth += 1;
                if dest_url.starts_with("https://") || dest_url.starts_with("http://") {
                    links.push(dest_url.to_string());
                }
                out.push(event);
            }
            Event::Start(Tag::Image { .. }) => {
                link_depth += 1;
                out.push(link_of(event));
            }
            Event::End(TagEnd::Link | TagEnd::Image) => {
                link_depth = link_depth.saturating_sub(1);
                out.push(Event::End(TagEnd::Link));
            }
            Event::Text(text) if !code_block => {
                let mut context = inline::Context {
                    budget,
                    links: std::mem::take(&mut links),
                    in_link: link_depth > 0,
                    spoilers: spoilers.get(&index).map_or(&[][..], Vec::as_slice),
                };
                inline::expand(&text, &mut context, directory, &mut mentions, &mut out);
                budget = context.budget;
                links = context.links;
            }
            // Raw HTML is shown as typed, never interpreted.
            Event::Html(text) | Event::InlineHtml(text) => out.push(Event::Text(text)),
            other => out.push(other),
        }
    }
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut html, out.into_iter());
    // The passes above build their tags from escaped parts, so text without `<`, `[`, a
    // fence or a spoiler has only tags the renderer made and needs no sanitizer (which is
    // costly). Anything else goes through it. The `markdown` fuzz target checks both paths.
    let needs_sanitizer = markdown.contains(['<', '['])
        || markdown.contains("```")
        || markdown.contains("~~~")
        || markdown.contains("||");
    if needs_sanitizer {
        html = sanitize::clean(&html);
    }
    let mut seen = std::collections::HashSet::new();
    links.retain(|link| seen.insert(link.clone()));
    links.truncate(MAX_LINKS);
    Rendered {
        html,
        mentions,
        links,
    }
}

/// A link or an image as a link (its address, labelled with its text).
fn link_of(event: Event<'_>) -> Event<'_> {
    match event {
        Event::Start(Tag::Image {
            dest_url,
            title,
            id,
            ..
        }) => Event::Start(Tag::Link {
            link_type: LinkType::Inline,
            dest_url,
            title,
            id,
        }),
        other => other,
    }
}

/// A literal piece of text.
fn text(piece: &str) -> Event<'static> {
    Event::Text(CowStr::from(piece.to_owned()))
}

/// A piece of HTML the passes built (from escaped parts).
fn markup(piece: String) -> Event<'static> {
    Event::InlineHtml(CowStr::from(piece))
}

#[cfg(test)]
mod tests;
