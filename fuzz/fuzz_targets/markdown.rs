//! Rendering any text never panics and its output is sanitized: every tag and attribute is on
//! the allow-list (the markdown tags, mention and spoiler spans, code languages), every link
//! is http, https or mailto, and there is no script, event handler or image. (Text may
//! mention such words; it is escaped, so a literal `<` in the output always opens a real
//! tag and a `"` always closes an attribute value.)
#![no_main]

use libfuzzer_sys::fuzz_target;

const TAGS: &[&str] = &[
    "a", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "li",
    "ol", "p", "pre", "span", "strong", "ul",
];
const ATTRIBUTES: &[&str] = &[
    "href", "rel", "class", "start", "data-user-id", "data-role-id", "data-channel-id",
];

fuzz_target!(|text: &str| {
    let html = chat_engine::render_markdown(text).to_ascii_lowercase();
    for tag in html.split('<').skip(1) {
        let tag = tag.split('>').next().unwrap_or_default();
        let name = tag.trim_start_matches('/').split([' ', '/']).next().unwrap_or_default();
        assert!(TAGS.contains(&name), "tag {name:?} in {html}");
        let mut rest = tag[tag.find(' ').unwrap_or(tag.len())..].trim();
        while let Some(eq) = rest.find("=\"") {
            let attribute = rest[..eq].trim();
            assert!(ATTRIBUTES.contains(&attribute), "attribute {attribute:?} in {html}");
            let end = rest[eq + 2..].find('"').map_or(rest.len(), |e| eq + 2 + e);
            let value = &rest[eq + 2..end];
            if attribute == "href" {
                assert!(
                    ["http://", "https://", "mailto:"].iter().any(|s| value.starts_with(s)),
                    "link {value:?} in {html}"
                );
            }
            rest = rest.get(end + 1..).unwrap_or_default().trim();
        }
    }
});
