//! The allow-list every rendered message passes: the tags markdown makes, mention and
//! spoiler spans, code languages, and links to http, https and mailto only (a relative
//! link, which would lead into this server, loses its address).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

static POLICY: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let tags = [
        "a",
        "blockquote",
        "br",
        "code",
        "del",
        "em",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "li",
        "ol",
        "p",
        "pre",
        "span",
        "strong",
        "ul",
    ];
    let attributes: HashMap<&str, HashSet<&str>> = [
        ("a", HashSet::from(["href"])),
        ("code", HashSet::from(["class"])),
        ("ol", HashSet::from(["start"])),
        (
            "span",
            HashSet::from(["class", "data-user-id", "data-role-id", "data-channel-id"]),
        ),
    ]
    .into();
    let mut builder = ammonia::Builder::empty();
    builder
        .tags(HashSet::from(tags))
        .generic_attributes(HashSet::new())
        .tag_attributes(attributes)
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .url_relative(ammonia::UrlRelative::Deny)
        .link_rel(Some("noopener noreferrer nofollow"))
        .attribute_filter(|element, attribute, value| match (element, attribute) {
            ("code", "class") => allowed_language(value).then(|| Cow::Owned(value.to_owned())),
            ("span", "class") => {
                matches!(value, "spoiler" | "mention").then(|| Cow::Owned(value.to_owned()))
            }
            ("span", _) => is_ulid(value).then(|| Cow::Owned(value.to_owned())),
            _ => Some(Cow::Owned(value.to_owned())),
        });
    builder
});

/// Keeps what the policy allows of `html`.
pub(super) fn clean(html: &str) -> String {
    POLICY.clean(html).to_string()
}

/// `language-rust`, `language-c++`: a fenced block's language, and nothing else.
fn allowed_language(class: &str) -> bool {
    class.strip_prefix("language-").is_some_and(|name| {
        !name.is_empty()
            && name.len() <= 32
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'#' | b'-' | b'_' | b'.'))
    })
}

fn is_ulid(value: &str) -> bool {
    value.len() == 26 && value.bytes().all(|b| b.is_ascii_alphanumeric())
}
