use super::*;

/// A directory of one server: alice and bob (bob nicknamed "Bobby") are members, carol is a
/// user who is not; roles "mods" (mentionable) and "staff" (not); channel "general".
struct Server;

fn id<M>(n: u16) -> crate::id::Id<M> {
    crate::id::Id::from_ulid(ulid::Ulid::from_parts(1_700_000_000_000, u128::from(n)))
}

impl Directory for Server {
    fn member_named(&mut self, username: &str) -> Option<(UserId, String)> {
        match username.to_ascii_lowercase().as_str() {
            "alice" => Some((id(1), "alice".into())),
            "bob" => Some((id(2), "Bobby".into())),
            _ => None,
        }
    }

    fn user(&mut self, user: UserId) -> Option<(String, bool)> {
        [
            (id(1), "alice", true),
            (id(2), "Bobby", true),
            (id(3), "carol", false),
        ]
        .into_iter()
        .find(|(u, _, _)| *u == user)
        .map(|(_, name, member)| (name.to_owned(), member))
    }

    fn role(&mut self, role: RoleId) -> Option<(String, bool)> {
        [(id(10), "mods", true), (id(11), "staff", false)]
            .into_iter()
            .find(|(r, _, _)| *r == role)
            .map(|(_, name, mentionable)| (name.to_owned(), mentionable))
    }

    fn channel(&mut self, channel: ChannelId) -> Option<String> {
        (channel == id(20)).then(|| "general".to_owned())
    }
}

fn html(markdown: &str) -> String {
    render(markdown, &mut Server).html
}

#[test]
fn markdown_renders_the_blueprints_formatting() {
    assert_eq!(
        html("**b** *i* ~~s~~ `c`"),
        "<p><strong>b</strong> <em>i</em> <del>s</del> <code>c</code></p>\n"
    );
    assert_eq!(
        html("> quoted"),
        "<blockquote>\n<p>quoted</p>\n</blockquote>\n"
    );
    let fenced = html("```rust\nfn main() {}\n```");
    assert_eq!(
        fenced,
        "<pre><code class=\"language-rust\">fn main() {}\n</code></pre>\n"
    );
    // A class that is not a language is dropped.
    assert_eq!(
        html("```x\" onclick=\"y\n1\n```"),
        "<pre><code>1\n</code></pre>\n"
    );
}

#[test]
fn spoilers_pair_within_a_block_and_a_lone_one_stays_text() {
    assert_eq!(
        html("a ||secret|| b"),
        "<p>a <span class=\"spoiler\">secret</span> b</p>\n"
    );
    assert_eq!(
        html("||**bold** secret||"),
        "<p><span class=\"spoiler\"><strong>bold</strong> secret</span></p>\n"
    );
    assert_eq!(html("x || y"), "<p>x || y</p>\n");
    assert_eq!(html("`||code||`"), "<p><code>||code||</code></p>\n");
}

#[test]
fn bare_urls_become_links_without_their_closing_punctuation() {
    assert_eq!(
        html("see https://example.com/a_(b). ok"),
        "<p>see <a href=\"https://example.com/a_(b)\" rel=\"noopener noreferrer nofollow\">https://example.com/a_(b)</a>. ok</p>\n"
    );
    assert_eq!(
        html("`https://in.code`"),
        "<p><code>https://in.code</code></p>\n"
    );
    assert!(html("[label](https://x.example)").contains("rel=\"noopener noreferrer nofollow\""));
    assert_eq!(
        html("nothttps://x.example"),
        "<p>nothttps://x.example</p>\n"
    );
}

#[test]
fn shortcodes_become_emoji_outside_code() {
    assert_eq!(
        html(":tada: :+1: :not_an_emoji:"),
        "<p>🎉 👍 :not_an_emoji:</p>\n"
    );
    assert_eq!(html("`:tada:`"), "<p><code>:tada:</code></p>\n");
}

#[test]
fn images_become_links_to_their_address() {
    let out = html("![a cat](https://cats.example/c.png)");
    assert!(!out.contains("<img"), "{out}");
    assert!(
        out.contains("<a href=\"https://cats.example/c.png\""),
        "{out}"
    );
}

#[test]
fn mentions_render_with_their_ids_and_resolve_members_only() {
    let (alice, bob, carol): (UserId, UserId, UserId) = (id(1), id(2), id(3));
    let (mods, staff): (RoleId, RoleId) = (id(10), id(11));
    let general: ChannelId = id(20);
    let text =
        format!("hi <@{alice}> @bob, <@{carol}> <@&{mods}> <@&{staff}> <#{general}> @nobody");
    let out = render(&text, &mut Server);
    assert_eq!(
        out.html,
        format!(
            "<p>hi <span class=\"mention\" data-user-id=\"{alice}\">@alice</span> \
             <span class=\"mention\" data-user-id=\"{bob}\">@Bobby</span>, \
             <span class=\"mention\" data-user-id=\"{carol}\">@carol</span> \
             <span class=\"mention\" data-role-id=\"{mods}\">@mods</span> \
             <span class=\"mention\" data-role-id=\"{staff}\">@staff</span> \
             <span class=\"mention\" data-channel-id=\"{general}\">#general</span> @nobody</p>\n"
        )
    );
    // carol is not a member: shown, never pinged.
    assert_eq!(out.mentions.users, vec![alice, bob]);
    assert_eq!(out.mentions.roles, vec![(mods, true), (staff, false)]);
    assert_eq!(out.mentions.channels, vec![general]);
}

#[test]
fn nothing_inside_code_mentions() {
    let alice: UserId = id(1);
    let out = render(
        &format!("`@everyone <@{alice}> @alice`\n\n```\n@here\n```"),
        &mut Server,
    );
    assert_eq!(out.mentions, Mentions::default());
    let out = render("@everyone and @here.", &mut Server);
    assert!(out.mentions.everyone && out.mentions.here);
    assert_eq!(out.html, "<p>@everyone and @here.</p>\n");
    // An e-mail address is not a mention.
    assert_eq!(
        render("alice@bob.example", &mut Server).mentions,
        Mentions::default()
    );
}

#[test]
fn raw_html_is_shown_as_text() {
    assert_eq!(html("<b>x</b>"), "<p>&lt;b&gt;x&lt;/b&gt;</p>\n");
}

#[test]
fn at_most_fifty_mentions_resolve() {
    let alice: UserId = id(1);
    let many =
        format!("<@&{}> ", id::<crate::id::RoleMarker>(10)).repeat(50) + &format!("<@{alice}>");
    let out = render(&many, &mut Server);
    assert_eq!(out.mentions.roles.len(), 1);
    assert!(out.mentions.users.is_empty(), "the 51st mention stays text");
    assert!(
        out.html.ends_with(&format!("&lt;@{alice}&gt;</p>\n")),
        "{}",
        out.html
    );
}

/// OWASP's XSS filter-evasion classics and mutation-XSS cases: none may leave a script, an
/// event handler, a script or data link, a remote image, a frame, a form, a style or any tag
/// or attribute outside the allow-list.
const XSS: &[&str] = &[
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://xss.example/xss.js></SCRIPT>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=javascript:alert('XSS')>",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    "<a onmouseover=\"alert(document.cookie)\">xxs link</a>",
    "<IMG \"\"\"><SCRIPT>alert(\"XSS\")</SCRIPT>\"\\>",
    "<IMG SRC=# onmouseover=\"alert('xxs')\">",
    "<IMG SRC=/ onerror=\"alert(String.fromCharCode(88,83,83))\"></img>",
    "<img src=x onerror=\"&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041\">",
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
    "<IMG SRC=\"jav\tascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
    "<IMG SRC=\" &#14;  javascript:alert('XSS');\">",
    "<SCRIPT/XSS SRC=\"https://xss.example/xss.js\"></SCRIPT>",
    "<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert(\"XSS\")>",
    "<<SCRIPT>alert(\"XSS\");//\\<</SCRIPT>",
    "<SCRIPT SRC=//xss.example/.j>",
    "<IMG SRC=\"`<javascript:alert>`('XSS')\"",
    "</TITLE><SCRIPT>alert(\"XSS\");</SCRIPT>",
    "<INPUT TYPE=\"IMAGE\" SRC=\"javascript:alert('XSS');\">",
    "<BODY BACKGROUND=\"javascript:alert('XSS')\">",
    "<IMG DYNSRC=\"javascript:alert('XSS')\">",
    "<STYLE>li {list-style-image: url(\"javascript:alert('XSS')\");}</STYLE><UL><LI>XSS</br>",
    "<svg/onload=alert('XSS')>",
    "<BODY ONLOAD=alert('XSS')>",
    "<BGSOUND SRC=\"javascript:alert('XSS');\">",
    "<LINK REL=\"stylesheet\" HREF=\"javascript:alert('XSS');\">",
    "<META HTTP-EQUIV=\"refresh\" CONTENT=\"0;url=javascript:alert('XSS');\">",
    "<IFRAME SRC=\"javascript:alert('XSS');\"></IFRAME>",
    "<FRAMESET><FRAME SRC=\"javascript:alert('XSS');\"></FRAMESET>",
    "<TABLE BACKGROUND=\"javascript:alert('XSS')\">",
    "<DIV STYLE=\"background-image: url(javascript:alert('XSS'))\">",
    "<DIV STYLE=\"width: expression(alert('XSS'));\">",
    "<BASE HREF=\"javascript:alert('XSS');//\">",
    "<OBJECT TYPE=\"text/x-scriptlet\" DATA=\"https://xss.example/scriptlet.html\"></OBJECT>",
    "<EMBED SRC=\"data:image/svg+xml;base64,PHN2ZyB4bWxuczpzdmc9Imh0dH A6Ly93d3cudzMub3JnLzIwMDAvc3ZnIiB4bWxucz0iaHR0cDovL3d3dy53My5vcmcv MjAwMC9zdmciIHhtbG5zOnhsaW5rPSJodHRwOi8vd3d3LnczLm9yZy8xOTk5L3hs aW5rIiB2ZXJzaW9uPSIxLjAiIHg9IjAiIHk9IjAiIHdpZHRoPSIxOTQiIGhlaWdodD0iMjAw IiBpZD0ieHNzIj48c2NyaXB0IHR5cGU9InRleHQvZWNtYXNjcmlwdCI+YWxlcnQoIlh TUyIpOzwvc2NyaXB0Pjwvc3ZnPg==\" type=\"image/svg+xml\" AllowScriptAccess=\"always\"></EMBED>",
    "<form action=\"javascript:alert(1)\"><button>x</button></form>",
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "[click](  javascript:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    "<javascript:alert(1)>",
    "![x](javascript:alert(1))",
    "![x\" onerror=\"alert(1)](https://x.example/a.png)",
    "[x](https://x.example \"title\\\" onmouseover=\\\"alert(1)\")",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    "<svg></p><style><a id=\"</style><img src=1 onerror=alert(1)>\">",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
    "<svg><style><img src=x onerror=alert(1)></style></svg>",
    "<a href=\"&#1;javascript:alert(1)\">x</a>",
    "<a href=\"jav&#x0A;ascript:alert(1)\">x</a>",
    "```\"><script>alert(1)</script>\ncode\n```",
    "```js onclick=alert(1)\nx\n```",
    "||<img src=x onerror=alert(1)>||",
    "<@<script>alert(1)</script>>",
    "@<img/src/onerror=alert(1)>",
    ":<script>:",
    "https://x.example/\"><script>alert(1)</script>",
    "https://x.example/<img src=x onerror=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<a href=\"data:text/html,<script>alert(1)</script>\">x</a>",
    // Found by the markdown fuzz target: a relative link would lead into this server.
    "[< \t[a](a)",
    "[x](/api/v1/auth/logout)",
];

/// The tags and attributes the policy allows.
const TAGS: &[&str] = &[
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
const ATTRIBUTES: &[&str] = &[
    "href",
    "rel",
    "class",
    "start",
    "data-user-id",
    "data-role-id",
    "data-channel-id",
];

/// Every tag and attribute in `html` is allowed, and every link is http, https or mailto.
pub(crate) fn assert_safe(input: &str, html: &str) {
    let lower = html.to_ascii_lowercase();
    for tag in lower.split('<').skip(1) {
        let tag = tag.split('>').next().unwrap_or_default();
        let name = tag
            .trim_start_matches('/')
            .split([' ', '/'])
            .next()
            .unwrap_or_default();
        assert!(TAGS.contains(&name), "tag {name:?} from {input:?}: {html}");
        // Attributes are name="value" pairs; values are quoted by the serializer.
        let mut rest = tag[tag.find(' ').unwrap_or(tag.len())..].trim();
        while let Some(eq) = rest.find("=\"") {
            let attribute = rest[..eq].trim();
            assert!(
                ATTRIBUTES.contains(&attribute),
                "attribute {attribute:?} from {input:?}: {html}"
            );
            let value_end = rest[eq + 2..].find('"').map_or(rest.len(), |e| eq + 2 + e);
            let value = &rest[eq + 2..value_end];
            if attribute == "href" {
                assert!(
                    ["http://", "https://", "mailto:"]
                        .iter()
                        .any(|s| value.starts_with(s)),
                    "link {value:?} from {input:?}: {html}"
                );
            }
            rest = rest.get(value_end + 1..).unwrap_or_default().trim();
        }
    }
}

#[test]
fn an_xss_corpus_renders_safe() {
    assert!(XSS.len() >= 50, "{} payloads", XSS.len());
    for payload in XSS {
        let out = html(payload);
        assert_safe(payload, &out);
        assert!(
            !out.to_ascii_lowercase().contains("<script"),
            "{payload}: {out}"
        );
    }
}

#[test]
fn the_first_links_outside_code_are_kept_for_previews() {
    let out = render(
        "see https://a.example/x, [b](https://b.example) `https://code.example` https://a.example/x \
         https://c.example https://d.example [mail](mailto:x@y.example)",
        &mut Server,
    );
    assert_eq!(
        out.links,
        vec![
            "https://a.example/x",
            "https://b.example",
            "https://c.example"
        ]
    );
}
