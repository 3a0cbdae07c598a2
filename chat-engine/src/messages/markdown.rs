//! Markdown rendering (pulldown-cmark, sanitized by ammonia) and mention parsing.

use pulldown_cmark::{Options, Parser, html};

use crate::id::{RoleId, UserId};

/// Renders markdown to sanitized HTML.
pub(crate) fn render(markdown: &str) -> String {
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(
        &mut raw,
        Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH),
    );
    // Without `<` there is no raw HTML and no autolink, without `[` no link or image, and
    // without a fence no attribute at all: then every tag is a bare one pulldown-cmark made
    // and all text is escaped, so the output is already safe and the (costly) sanitizer is
    // skipped. The `markdown` fuzz target checks the output of both paths.
    if markdown.contains(['<', '[']) || markdown.contains("```") || markdown.contains("~~~") {
        ammonia::clean(&raw)
    } else {
        raw
    }
}

/// Most user and role mentions a message resolves; later ones stay plain text.
const MAX_MENTIONS: usize = 50;

/// Mentions written in a message: `<@user id>`, `<@&role id>`, `@everyone` and `@here`.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Mentions {
    pub(crate) users: Vec<UserId>,
    pub(crate) roles: Vec<RoleId>,
    pub(crate) everyone: bool,
}

/// Finds the mentions in `content`.
pub(crate) fn mentions(content: &str) -> Mentions {
    let mut found = Mentions {
        everyone: content.contains("@everyone") || content.contains("@here"),
        ..Mentions::default()
    };
    let mut rest = content;
    while let Some(start) = rest.find("<@") {
        if found.users.len() + found.roles.len() >= MAX_MENTIONS {
            break;
        }
        rest = &rest[start + 2..];
        let Some(end) = rest.find('>') else { break };
        let inner = &rest[..end];
        if let Some(role) = inner.strip_prefix('&') {
            if let Ok(id) = role.parse()
                && !found.roles.contains(&id)
            {
                found.roles.push(id);
            }
        } else if let Ok(id) = inner.parse()
            && !found.users.contains(&id)
        {
            found.users.push(id);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_is_rendered_and_sanitized() {
        assert_eq!(
            render("**hi** ~~x~~"),
            "<p><strong>hi</strong> <del>x</del></p>\n"
        );
        let html = render("<script>alert(1)</script><a href=\"javascript:x\">y</a>");
        assert!(!html.contains("script"), "{html}");
        assert!(!html.contains("javascript"), "{html}");
    }

    #[test]
    fn plain_markdown_skips_the_sanitizer_and_stays_safe() {
        assert_eq!(render("*a* & b > c"), "<p><em>a</em> &amp; b &gt; c</p>\n");
        assert_eq!(
            render("`x` ~~y~~\n\n> quote"),
            "<p><code>x</code> <del>y</del></p>\n<blockquote>\n<p>quote</p>\n</blockquote>\n"
        );
        assert!(!render("&lt;script&gt; javascript:alert(1)").contains("<script"));
        // With `[` or `<` the sanitizer runs: a javascript: link loses its href.
        assert!(!render("[x](javascript:alert(1))").contains("javascript"));
    }

    #[test]
    fn mentions_are_parsed() {
        let user = UserId::from_ulid(ulid::Ulid::from_parts(1, 1));
        let role = RoleId::from_ulid(ulid::Ulid::from_parts(2, 2));
        let found = mentions(&format!(
            "hi <@{user}> and <@&{role}> and <@{user}> <@nope> @here"
        ));
        assert_eq!(found.users, vec![user]);
        assert_eq!(found.roles, vec![role]);
        assert!(found.everyone);
        assert_eq!(mentions("plain"), Mentions::default());
    }
}
