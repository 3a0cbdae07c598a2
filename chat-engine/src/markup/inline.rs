//! The passes over text outside code: spoilers, mentions, emoji shortcodes and bare URLs.

use std::collections::HashMap;

use pulldown_cmark::{Event, Tag, TagEnd};

use super::{Directory, Mentions, markup, text};
use crate::id::{ChannelId, RoleId, UserId};

/// Where a piece of text sits, and how many more mentions may be looked up.
pub(super) struct Context<'a> {
    /// Mentions left to resolve: each one written costs one, found or not.
    pub(super) budget: usize,
    /// The bare links found so far.
    pub(super) links: Vec<String>,
    /// Inside a link's label: no mentions or links there.
    pub(super) in_link: bool,
    /// Byte offsets of the `||` in this text that open (`true`) or close a spoiler.
    pub(super) spoilers: &'a [(usize, bool)],
}

/// For each text event (by index), the `||` in it that pair up within their block.
pub(super) fn paired_spoilers(events: &[Event<'_>]) -> HashMap<usize, Vec<(usize, bool)>> {
    let mut paired: HashMap<usize, Vec<(usize, bool)>> = HashMap::new();
    let mut pending: Vec<(usize, usize)> = Vec::new();
    let mut code_block = false;
    let mut flush = |pending: &mut Vec<(usize, usize)>| {
        let whole = pending.len() / 2 * 2;
        for (n, (event, offset)) in pending.drain(..).take(whole).enumerate() {
            paired.entry(event).or_default().push((offset, n % 2 == 0));
        }
        pending.clear();
    };
    for (index, event) in events.iter().enumerate() {
        match event {
            Event::Start(Tag::CodeBlock(_)) => code_block = true,
            Event::End(TagEnd::CodeBlock) => code_block = false,
            Event::Text(text) if !code_block => {
                let mut from = 0;
                while let Some(found) = text[from..].find("||") {
                    pending.push((index, from + found));
                    from += found + 2;
                }
            }
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::BlockQuote(_)
                | TagEnd::TableCell,
            ) => flush(&mut pending),
            _ => {}
        }
    }
    flush(&mut pending);
    paired
}

/// Turns one text into literal pieces and the markup the passes make, noting mentions.
pub(super) fn expand(
    text_in: &str,
    context: &mut Context<'_>,
    directory: &mut dyn Directory,
    mentions: &mut Mentions,
    out: &mut Vec<Event<'_>>,
) {
    let mut from = 0;
    let spoilers = context.spoilers;
    for &(offset, open) in spoilers {
        pieces(&text_in[from..offset], context, directory, mentions, out);
        out.push(markup(
            if open {
                r#"<span class="spoiler">"#
            } else {
                "</span>"
            }
            .to_owned(),
        ));
        from = offset + 2;
    }
    pieces(&text_in[from..], context, directory, mentions, out);
}

/// Scans a text for mentions, shortcodes and URLs.
fn pieces(
    segment: &str,
    context: &mut Context<'_>,
    directory: &mut dyn Directory,
    mentions: &mut Mentions,
    out: &mut Vec<Event<'_>>,
) {
    let mut literal_from = 0;
    let mut at = 0;
    while at < segment.len() {
        let rest = &segment[at..];
        let after_boundary = segment[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric() && !matches!(c, '_' | '.' | '-'));
        let found = match rest.as_bytes()[0] {
            b'<' if !context.in_link => {
                mention_by_id(rest, &mut context.budget, directory, mentions)
            }
            b'@' if !context.in_link && after_boundary => {
                mention_by_name(rest, &mut context.budget, directory, mentions)
            }
            b':' => shortcode(rest),
            b'h' if !context.in_link && after_boundary => bare_url(rest).inspect(|(length, _)| {
                context.links.push(rest[..*length].to_owned());
            }),
            _ => None,
        };
        match found {
            Some((length, event)) => {
                if literal_from < at {
                    out.push(text(&segment[literal_from..at]));
                }
                out.push(event);
                at += length;
                literal_from = at;
            }
            None => at += rest.chars().next().map_or(1, char::len_utf8),
        }
    }
    if literal_from < segment.len() {
        out.push(text(&segment[literal_from..]));
    }
}

/// `<@USER>` (or `<@!USER>`), `<@&ROLE>`, `<#CHANNEL>`.
fn mention_by_id(
    rest: &str,
    budget: &mut usize,
    directory: &mut dyn Directory,
    mentions: &mut Mentions,
) -> Option<(usize, Event<'static>)> {
    let end = rest.find('>')?;
    let inner = &rest[1..end];
    if !inner.starts_with(['@', '#']) || *budget == 0 {
        return None;
    }
    *budget -= 1;
    let span = if let Some(role) = inner.strip_prefix("@&") {
        let id: RoleId = role.parse().ok()?;
        let (name, mentionable) = directory.role(id)?;
        if !mentions.roles.iter().any(|(r, _)| *r == id) {
            mentions.roles.push((id, mentionable));
        }
        format!(
            r#"<span class="mention" data-role-id="{id}">@{}</span>"#,
            escape(&name)
        )
    } else if let Some(user) = inner.strip_prefix('@') {
        let id: UserId = user.strip_prefix('!').unwrap_or(user).parse().ok()?;
        let (name, member) = directory.user(id)?;
        if member && !mentions.users.contains(&id) {
            mentions.users.push(id);
        }
        format!(
            r#"<span class="mention" data-user-id="{id}">@{}</span>"#,
            escape(&name)
        )
    } else if let Some(channel) = inner.strip_prefix('#') {
        let id: ChannelId = channel.parse().ok()?;
        let name = directory.channel(id)?;
        if !mentions.channels.contains(&id) {
            mentions.channels.push(id);
        }
        format!(
            r#"<span class="mention" data-channel-id="{id}">#{}</span>"#,
            escape(&name)
        )
    } else {
        return None;
    };
    Some((end + 1, markup(span)))
}

/// `@everyone`, `@here` (noted, shown as written) or `@username` of a member.
fn mention_by_name(
    rest: &str,
    budget: &mut usize,
    directory: &mut dyn Directory,
    mentions: &mut Mentions,
) -> Option<(usize, Event<'static>)> {
    let is_name_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-');
    let run = rest[1..]
        .find(|c: char| !is_name_char(c))
        .map_or(&rest[1..], |end| &rest[1..=end]);
    // "@bob." at the end of a sentence names bob.
    let trimmed = run.trim_end_matches(['.', '-']);
    match trimmed {
        "everyone" => mentions.everyone = true,
        "here" => mentions.here = true,
        _ => {}
    }
    if matches!(trimmed, "everyone" | "here") {
        return Some((1 + trimmed.len(), text(&rest[..=trimmed.len()])));
    }
    if *budget == 0 {
        return None;
    }
    *budget -= 1;
    for name in [run, trimmed] {
        if !(2..=32).contains(&name.len()) {
            continue;
        }
        if let Some((id, display)) = directory.member_named(name) {
            if !mentions.users.contains(&id) {
                mentions.users.push(id);
            }
            let span = format!(
                r#"<span class="mention" data-user-id="{id}">@{}</span>"#,
                escape(&display)
            );
            return Some((1 + name.len(), markup(span)));
        }
    }
    None
}

/// `:shortcode:` of a Unicode emoji (GitHub's names, as Discord's mostly are).
fn shortcode(rest: &str) -> Option<(usize, Event<'static>)> {
    let end = rest[1..].find(':')? + 1;
    let name = &rest[1..end];
    if name.is_empty()
        || name.len() > 40
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'+' | b'-'))
    {
        return None;
    }
    let emoji = emojis::get_by_shortcode(name)?;
    Some((end + 1, text(emoji.as_str())))
}

/// A bare `http://` or `https://` URL, without the punctuation that ends its sentence.
fn bare_url(rest: &str) -> Option<(usize, Event<'static>)> {
    let scheme = ["https://", "http://"]
        .into_iter()
        .find(|s| rest.starts_with(s))?;
    let mut end = rest
        .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"'))
        .unwrap_or(rest.len());
    loop {
        let url = &rest[..end];
        let last = url.chars().next_back()?;
        let unbalanced = last == ')' && url.matches('(').count() < url.matches(')').count();
        if matches!(
            last,
            '.' | ',' | ':' | ';' | '!' | '?' | '\'' | '*' | '_' | '~'
        ) || unbalanced
        {
            end -= last.len_utf8();
        } else {
            break;
        }
    }
    if end <= scheme.len() {
        return None;
    }
    let url = escape(&rest[..end]);
    Some((
        end,
        markup(format!(
            r#"<a href="{url}" rel="noopener noreferrer nofollow">{url}</a>"#
        )),
    ))
}

/// Escapes text for HTML content and attribute values.
pub(super) fn escape(raw: &str) -> String {
    let mut escaped = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}
