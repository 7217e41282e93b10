//! 典型案例与新闻 (五(四)): "学校和地方共同加强宣传推广…总结推广可复制的典型模式". A group writes a
//! typical case or a news item; the bureau reviews it (返回修改 / 通过); a published one is on the
//! public pages until the bureau takes it down. Its body is HTML from the editor, kept only after
//! [`clean_body`] has removed everything that could run or load from elsewhere.

use crate::domain::ids::ProjectId;
use crate::domain::plan::Area;
use crate::domain::{FieldError, FieldErrors};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// A typical case (典型案例) or a news item (新闻).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseKind {
    Case,
    News,
}

impl CaseKind {
    pub const ALL: [CaseKind; 2] = [CaseKind::Case, CaseKind::News];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseKind::Case => "case",
            CaseKind::News => "news",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CaseKind::Case => "典型案例",
            CaseKind::News => "新闻",
        }
    }

    /// From its code or its Chinese label.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s || k.label() == s)
    }
}

/// Where an item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseState {
    /// Written, not yet sent for review.
    Draft,
    /// Waiting for the bureau's review.
    Submitted,
    /// Returned by the bureau with its comment, to be corrected and submitted again.
    Returned,
    /// On the public pages.
    Published,
    /// Taken down by the bureau; the group may correct it and submit it again.
    Unpublished,
}

impl CaseState {
    pub const ALL: [CaseState; 5] = [
        CaseState::Draft,
        CaseState::Submitted,
        CaseState::Returned,
        CaseState::Published,
        CaseState::Unpublished,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseState::Draft => "draft",
            CaseState::Submitted => "submitted",
            CaseState::Returned => "returned",
            CaseState::Published => "published",
            CaseState::Unpublished => "unpublished",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CaseState::Draft => "草稿",
            CaseState::Submitted => "待审核",
            CaseState::Returned => "已退回修改",
            CaseState::Published => "已发布",
            CaseState::Unpublished => "已撤下",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether the group may still correct it (and submit it): not while the bureau has it
    /// for review, not while it is published.
    pub fn editable(self) -> bool {
        matches!(
            self,
            CaseState::Draft | CaseState::Returned | CaseState::Unpublished
        )
    }
}

pub const MAX_TITLE_CHARS: usize = 100;
pub const MAX_SUMMARY_CHARS: usize = 300;
/// The body as sent, before it is cleaned: bounded before the HTML parser reads it.
pub const MAX_BODY_BYTES: usize = 200_000;
pub const MAX_COMMENT_CHARS: usize = 500;

/// An item as typed in the form (or sent to the API).
#[derive(Debug, Clone, Default)]
pub struct CaseInput {
    /// `case` or `news` (or 典型案例, 新闻).
    pub kind: String,
    pub title: String,
    /// The plan area's number (三(一) is 1), empty for none; a case must name one.
    pub area: String,
    pub summary: String,
    /// HTML.
    pub body: String,
    /// Ids of the group's cooperation projects the item is about (三(一)–(六)).
    pub projects: Vec<String>,
}

/// The most projects an item may name.
pub const MAX_LINKED_PROJECTS: usize = 20;

/// An item that passed every check, its body cleaned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCase {
    pub kind: CaseKind,
    pub title: String,
    pub area: Option<u8>,
    pub summary: String,
    pub body: String,
    /// The group's projects it is about, in the order named, each once.
    pub projects: Vec<ProjectId>,
}

fn text_field(
    errors: &mut FieldErrors,
    field: &'static str,
    value: &str,
    max: usize,
) -> Option<String> {
    let v = value.trim();
    if v.is_empty() {
        errors.push(field, format!("请填写{field}"));
        None
    } else if v.chars().count() > max {
        errors.push(field, format!("{field}不能超过 {max} 个字"));
        None
    } else {
        Some(v.to_string())
    }
}

/// Checks an item against the plan's areas; every error at once.
pub fn parse_case(
    input: &CaseInput,
    areas: &[Area],
    group_projects: &[ProjectId],
) -> Result<NewCase, FieldErrors> {
    let mut errors = FieldErrors::default();
    let mut projects: Vec<ProjectId> = Vec::new();
    for p in input
        .projects
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
    {
        match ProjectId::parse(p).filter(|id| group_projects.contains(id)) {
            Some(id) if !projects.contains(&id) => projects.push(id),
            Some(_) => {}
            None => {
                errors.push("关联项目", "只能关联本结对组的合作项目");
                break;
            }
        }
    }
    if projects.len() > MAX_LINKED_PROJECTS {
        errors.push(
            "关联项目",
            format!("最多关联 {MAX_LINKED_PROJECTS} 个合作项目"),
        );
    }
    let kind = CaseKind::parse(&input.kind);
    if kind.is_none() {
        errors.push("类别", "类别须为典型案例或新闻");
    }
    let title = text_field(&mut errors, "标题", &input.title, MAX_TITLE_CHARS);
    let summary = text_field(&mut errors, "摘要", &input.summary, MAX_SUMMARY_CHARS);
    let area = match input.area.trim() {
        "" if kind == Some(CaseKind::Case) => {
            errors.push("领域", "典型案例须选择所属的结对共建领域");
            None
        }
        "" => None,
        a => match a
            .parse::<u8>()
            .ok()
            .filter(|n| areas.iter().any(|x| x.number == *n))
        {
            Some(n) => Some(n),
            None => {
                errors.push("领域", format!("没有编号为“{a}”的结对共建领域"));
                None
            }
        },
    };
    let body = if input.body.len() > MAX_BODY_BYTES {
        errors.push(
            "正文",
            format!("正文过长（不能超过 {} KB）", MAX_BODY_BYTES / 1000),
        );
        None
    } else {
        let body = clean_body(&input.body);
        if body.len() > MAX_BODY_BYTES {
            // Cleaning escapes characters (`&` → `&amp;`): the kept body is bounded too.
            errors.push(
                "正文",
                format!("正文过长（不能超过 {} KB）", MAX_BODY_BYTES / 1000),
            );
            None
        } else if plain_text(&body).trim().is_empty() && !body.contains("<img") {
            errors.push("正文", "请填写正文");
            None
        } else {
            Some(body)
        }
    };
    match (kind, title, summary, body) {
        (Some(kind), Some(title), Some(summary), Some(body)) if errors.is_empty() => Ok(NewCase {
            kind,
            title,
            area,
            summary,
            body,
            projects,
        }),
        _ => Err(errors),
    }
}

/// The bureau's comment when it returns an item: required, bounded.
pub fn parse_comment(comment: &str) -> Result<String, FieldError> {
    let c = comment.trim();
    if c.is_empty() {
        return Err(FieldError::new("退回意见", "请写明需要修改的地方"));
    }
    if c.chars().count() > MAX_COMMENT_CHARS {
        return Err(FieldError::new(
            "退回意见",
            format!("退回意见不能超过 {MAX_COMMENT_CHARS} 个字"),
        ));
    }
    Ok(c.to_string())
}

/// The cleaner: text structure, links and the platform's own images; nothing that runs
/// (scripts, event handlers, `javascript:` addresses, styles) and nothing loaded from elsewhere
/// (frames, objects, images from another site).
static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let tags: HashSet<&str> = [
        "p",
        "br",
        "h2",
        "h3",
        "h4",
        "strong",
        "b",
        "em",
        "i",
        "u",
        "s",
        "blockquote",
        "ul",
        "ol",
        "li",
        "a",
        "img",
        "figure",
        "figcaption",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "hr",
    ]
    .into();
    let attributes: HashMap<&str, HashSet<&str>> = [
        ("a", ["href", "title"].into()),
        ("img", ["src", "alt", "width", "height"].into()),
        ("th", ["colspan", "rowspan"].into()),
        ("td", ["colspan", "rowspan"].into()),
    ]
    .into();
    let mut b = ammonia::Builder::empty();
    b.tags(tags)
        .tag_attributes(attributes)
        .clean_content_tags(["script", "style"].into())
        .url_schemes(["http", "https", "mailto"].into())
        .url_relative(ammonia::UrlRelative::PassThrough)
        .link_rel(Some("noopener noreferrer nofollow"))
        .attribute_filter(|element, attribute, value| {
            // An image only from this platform (a path on it): no embeds from elsewhere.
            if element == "img" && attribute == "src" {
                return own_path(value).then_some(Cow::Borrowed(value));
            }
            Some(Cow::Borrowed(value))
        });
    b
});

/// Whether `src` is a plain path on this platform: `/` then letters, digits, `.`, `_`, `-` and
/// further `/` only (a browser reads `//host`, `/\host` or a path with control characters as
/// another site's address).
fn own_path(src: &str) -> bool {
    src.starts_with('/')
        && !src.starts_with("//")
        && src.len() > 1
        && src
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '_' | '-'))
}

/// An item's body with everything removed that could run or load from elsewhere.
pub fn clean_body(html: &str) -> String {
    images_with_sources_and_text(&CLEANER.clean(html).to_string())
}

/// Cleaned HTML with each image that lost its address (another site's, or none) left out, and
/// each image without a text alternative given an empty one (read as decoration): a screen
/// reader does not announce a nameless image. In the cleaner's output a `<` outside a tag is
/// always written `&lt;`, and attribute values are in double quotes.
fn images_with_sources_and_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find("<img") {
        out.push_str(&rest[..at]);
        let tag_and_after = &rest[at..];
        let mut quoted = false;
        let end = tag_and_after
            .char_indices()
            .find(|&(_, c)| {
                if c == '"' {
                    quoted = !quoted;
                }
                c == '>' && !quoted
            })
            .map_or(tag_and_after.len(), |(i, _)| i + 1);
        let tag = &tag_and_after[..end];
        if tag.contains(" src=\"") {
            if tag.contains(" alt=\"") {
                out.push_str(tag);
            } else {
                let close = tag.strip_suffix('>').unwrap_or(tag);
                out.push_str(close);
                out.push_str(" alt=\"\">");
            }
        }
        rest = &tag_and_after[end..];
    }
    out.push_str(rest);
    out
}

/// The text of cleaned HTML, tags removed (for lengths and descriptions).
pub fn plain_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    let text = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_handlers_and_script_addresses_are_removed() {
        let dirty = r#"<p onclick="steal()">正文<script>alert(1)</script></p>
            <img src="/files/abc" onerror="alert(2)" alt="图">
            <img src="https://evil.example/x.png">
            <a href="javascript:alert(3)">链接</a> <a href="https://www.dg.gov.cn/">东莞</a>
            <iframe src="https://evil.example/"></iframe><style>p{}</style>"#;
        let clean = clean_body(dirty);
        let tricks =
            clean_body("<img src=\"/\\evil.example/a.png\"><img src=\"/\t/evil.example/b.png\">");
        assert!(!tricks.contains("evil"), "{tricks}");
        // An image that lost its address is left out; one without a text alternative gets an
        // empty one.
        assert_eq!(tricks, "");
        assert_eq!(
            clean_body(
                r#"<p><img src="/static/a.png"> 文 <img alt="图>一" src="/static/b.png"></p>"#
            ),
            r#"<p><img src="/static/a.png" alt=""> 文 <img alt="图&gt;一" src="/static/b.png"></p>"#
        );
        for gone in [
            "script",
            "alert",
            "onclick",
            "onerror",
            "javascript",
            "iframe",
            "evil",
            "style",
        ] {
            assert!(!clean.contains(gone), "{gone} left in {clean}");
        }
        assert!(clean.contains("<p>正文</p>"), "{clean}");
        assert!(
            clean.contains(r#"<img src="/files/abc" alt="图">"#),
            "{clean}"
        );
        assert!(
            clean.contains(r#"href="https://www.dg.gov.cn/""#),
            "{clean}"
        );
        assert!(clean.contains("noopener"), "{clean}");
    }

    #[test]
    fn every_wrong_field_is_named_at_once() {
        let areas = vec![Area {
            number: 1,
            name: "乡村建设".into(),
            outcomes: vec![],
        }];
        let e = parse_case(
            &CaseInput {
                kind: "case".into(),
                title: " ".into(),
                area: "9".into(),
                summary: "摘".repeat(301),
                body: "<script>only a script</script>".into(),
                projects: vec![ProjectId::new().to_string()],
            },
            &areas,
            &[ProjectId::new()],
        )
        .unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field).collect();
        assert_eq!(fields, ["关联项目", "标题", "摘要", "领域", "正文"]);
        let mine = ProjectId::new();
        let ok = parse_case(
            &CaseInput {
                kind: "新闻".into(),
                title: " 标题 ".into(),
                area: "".into(),
                summary: "摘要".into(),
                body: "<p>正文</p>".into(),
                projects: vec![mine.to_string(), format!(" {mine} ")],
            },
            &areas,
            std::slice::from_ref(&mine),
        )
        .unwrap();
        assert_eq!(ok.projects, vec![mine], "named once");
        assert_eq!(ok.kind, CaseKind::News);
        assert_eq!(ok.title, "标题");
        assert_eq!(ok.area, None);
        let too_long = CaseInput {
            body: "a".repeat(MAX_BODY_BYTES + 1),
            ..Default::default()
        };
        let e = parse_case(&too_long, &areas, &[]).unwrap_err();
        assert!(
            e.0.iter()
                .any(|f| f.field == "正文" && f.message.contains("过长"))
        );
    }

    #[test]
    fn plain_text_drops_tags_and_reads_entities() {
        assert_eq!(plain_text("<p>甲&amp;乙</p><p>丙</p>"), "甲&乙 丙");
    }
}
