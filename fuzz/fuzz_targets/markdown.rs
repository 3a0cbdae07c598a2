//! Rendering any text never panics and never lets script through: no `<script>`, no
//! `javascript:` links, no event-handler attributes. (Text may mention such words; it is
//! escaped, so a literal `<` in the output always opens a real tag.)
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let html = chat_engine::render_markdown(text).to_ascii_lowercase();
    for tag in html.split('<').skip(1).map(|rest| rest.split('>').next().unwrap_or_default()) {
        assert!(!tag.starts_with("script"), "{html}");
        for attribute in tag.split_whitespace().skip(1) {
            assert!(!attribute.starts_with("on"), "event handler in {html}");
            assert!(!attribute.contains("javascript:"), "script link in {html}");
        }
    }
});
