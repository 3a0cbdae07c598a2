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
    ammonia::clean(&raw)
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
