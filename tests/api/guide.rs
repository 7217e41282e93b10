//! 操作手册 (issue 14): every role reads the guide's index and every chapter, each step with its
//! clause; the help mark of every page leads to the reader's own chapter; an unknown chapter is a
//! 404 and a signed-out reader is sent to sign in; the docx comes through the web and the API
//! and opens in LibreOffice with every role's chapter; every screenshot the guide shows exists.

use crate::helpers::{ADMIN_PASSWORD, PASSWORD, TestApp, new_client};
use crate::on_both;
use reqwest::StatusCode;
use xiaodi::domain::guide::{self, Chapter};
use xiaodi::domain::user::Role;
use xiaodi::exports::guide::chapter_heading;

on_both!(
    every_role_reads_every_chapter,
    strangers_are_sent_to_sign_in_and_unknown_chapters_are_404,
    the_docx_comes_through_both_doors,
);

const HQ: &str = "东莞市“百千万工程”指挥部办公室";

/// One account per role (the bureau's is the first administrator, `admin`).
const USERS: [(&str, &str, &str); 7] = [
    ("hq1", HQ, "hq"),
    ("gdmu", "广东医科大学", "school"),
    ("tangxia", "塘厦镇", "town"),
    ("fhg", "凤凰岗社区(塘厦镇)", "village"),
    ("sys", "东莞市教育局", "sysadmin"),
    ("sec", "东莞市教育局", "secadmin"),
    ("aud", "东莞市教育局", "auditor"),
];

/// The chapters as the server writes them (the numbers of the plan it has loaded).
async fn chapters(app: &TestApp) -> Vec<Chapter> {
    let plan = xiaodi::services::guide::plan(&app.state.store, &app.state.plans, app.clock.today())
        .await
        .unwrap();
    guide::chapters(&plan)
}

async fn every_role_reads_every_chapter(app: TestApp) {
    for (username, org, role) in USERS {
        app.add_user(username, org, role).await;
    }
    let all = chapters(&app).await;
    let mut readers = vec![("admin", ADMIN_PASSWORD, Role::Bureau)];
    for (username, _, role) in USERS {
        readers.push((username, PASSWORD, Role::parse(role).unwrap()));
    }
    for (username, password, role) in readers {
        let client = app.web_client(username, password).await;
        // The help mark on the reader's pages leads to their own chapter.
        let home = app.page(&client, "/").await;
        let own = format!("href=\"/guide/{}\"", role.as_str());
        assert!(home.contains(&own), "{username}: the help mark\n{home}");
        assert!(
            home.contains("操作手册"),
            "{username}: the help mark's name"
        );

        let index = app.get_with(&client, "/guide").await;
        assert_eq!(index.status(), StatusCode::OK, "{username}");
        let index = index.text().await.unwrap();
        let position = |c: &Chapter| {
            index
                .find(&format!("href=\"{}\"", c.href()))
                .unwrap_or_else(|| panic!("{username}: /guide links {}", c.href()))
        };
        let own_at = position(all.iter().find(|c| c.role == role).unwrap());
        for c in &all {
            assert!(index.contains(c.title), "{username}: {}", c.title);
            // The reader's own chapter comes first (after the help mark in the header).
            if c.role != role {
                assert!(own_at < position(c), "{username}: own chapter first");
            }
        }
        assert!(index.contains("本人角色"), "{username}");
        assert!(index.contains("href=\"/guide.docx\""));

        for c in &all {
            let resp = app.get_with(&client, &c.href()).await;
            assert_eq!(resp.status(), StatusCode::OK, "{username} {}", c.href());
            let page = resp.text().await.unwrap();
            // The chapter itself (the navigation above it links some of the same pages).
            let page = &page[page.find("<main").expect("a main element")..];
            assert!(page.contains(c.title), "{username} {}", c.href());
            for when in ["每月", "每年", "随时"] {
                assert!(page.contains(&format!("<h2>{when}</h2>")), "{when}");
            }
            for s in c.steps() {
                assert!(
                    page.contains(&s.what),
                    "{username} {}: {}",
                    c.href(),
                    s.what
                );
                assert!(
                    page.contains(&format!(
                        "<td data-label=\"条款\" class=\"clause\">{}</td>",
                        s.clause
                    )),
                    "{username} {}: clause {}",
                    c.href(),
                    s.clause
                );
                // A page the reader can open as it stands is a link in their own chapter only.
                let link = format!("<a href=\"{}\">{}</a>", s.path, s.place);
                assert_eq!(
                    page.contains(&link),
                    c.role == role && s.is_direct(),
                    "{username} {}: {link}",
                    c.href()
                );
            }
            let image = format!("src=\"/static/{}\"", c.screenshot.file);
            assert!(page.contains(&image), "{username} {}: {image}", c.href());
            assert!(page.contains(&format!("alt=\"页面截图：{}\"", c.screenshot.caption)));
        }
    }
}

async fn strangers_are_sent_to_sign_in_and_unknown_chapters_are_404(app: TestApp) {
    let stranger = new_client();
    for path in ["/guide", "/guide/school", "/guide.docx"] {
        let resp = app.get_with(&stranger, path).await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{path}");
        assert!(
            resp.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("/login"),
            "{path}"
        );
    }
    let api = app.get_with(&stranger, "/api/v1/guide.docx").await;
    assert_eq!(api.status(), StatusCode::UNAUTHORIZED);

    let bureau = app.web_client("admin", ADMIN_PASSWORD).await;
    for path in ["/guide/nobody", "/guide/Bureau", "/guide/school/more"] {
        let resp = app.get_with(&bureau, path).await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{path}");
        let page = resp.text().await.unwrap();
        assert!(page.contains("页面或记录不存在"), "{path}: the 404 page");
    }
}

async fn the_docx_comes_through_both_doors(app: TestApp) {
    app.add_user("tangxia", "塘厦镇", "town").await;
    let client = app.web_client("tangxia", PASSWORD).await;
    let web = app.get_with(&client, "/guide.docx").await;
    assert_eq!(web.status(), StatusCode::OK);
    assert!(
        web.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("wordprocessingml")
    );
    let disposition = web.headers()["content-disposition"].to_str().unwrap();
    assert!(disposition.contains("guide.docx"), "{disposition}");
    let web = web.bytes().await.unwrap();

    let token = app.api_token("tangxia", PASSWORD).await;
    let api = app.api_get(&token, "/api/v1/guide.docx").await;
    assert_eq!(api.status(), StatusCode::OK);
    let api = api.bytes().await.unwrap();
    // The same document (its pictures are numbered afresh each time: compare the text).
    assert_eq!(text_of(&document_xml(&web)), text_of(&document_xml(&api)));
    let xml = document_xml(&api);
    for (i, c) in chapters(&app).await.iter().enumerate() {
        assert!(xml.contains(&chapter_heading(i, c)), "{}", c.title);
    }
}

/// The text runs of a document part, in order.
fn text_of(xml: &str) -> String {
    let mut out = String::new();
    for piece in xml.split("<w:t").skip(1) {
        if let Some((_, rest)) = piece.split_once('>')
            && let Some((text, _)) = rest.split_once("</w:t>")
        {
            out.push_str(text);
        }
    }
    out
}

fn document_xml(docx: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx.to_vec())).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").unwrap(), &mut xml)
        .unwrap();
    xml
}

/// Every screenshot a chapter shows is a PNG under `static/` (so a renamed page or a deleted
/// file cannot leave the guide with a broken image), and the server hands it out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_screenshot_of_the_guide_exists() {
    let plan = xiaodi::domain::plan::Plan::parse(xiaodi::domain::plan::DONGGUAN_2023_PLAN).unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("static");
    for c in guide::chapters(&plan) {
        let file = root.join(&c.screenshot.file);
        let bytes = std::fs::read(&file).unwrap_or_else(|_| {
            panic!(
                "{} is missing: run the browser test `guide`",
                file.display()
            )
        });
        let (w, h) = xiaodi::exports::guide::png_size(&bytes)
            .unwrap_or_else(|| panic!("{} is not a PNG", file.display()));
        assert!(w >= 300 && h >= 200, "{}: {w}×{h}", file.display());
        assert!(
            bytes.len() < 400 * 1024,
            "{}: {} bytes, keep screenshots small",
            file.display(),
            bytes.len()
        );
    }
    let app = crate::helpers::spawn_app(crate::helpers::Db::Sqlite)
        .await
        .unwrap();
    for c in guide::chapters(&plan) {
        let resp = app.get(&format!("/static/{}", c.screenshot.file)).await;
        assert_eq!(resp.status(), StatusCode::OK, "{}", c.screenshot.file);
        assert_eq!(resp.headers()["content-type"], "image/png");
    }
}

/// The docx opens in LibreOffice: converted to PDF, its text has the title and every role's
/// chapter heading, and every clause the chapters cite. On SQLite only (the document does not
/// depend on the backend). Without LibreOffice: a failure under CI, a printed note elsewhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_docx_opens_in_libreoffice_with_every_roles_chapter() {
    let Some(office) = crate::helpers::libreoffice() else {
        return;
    };
    let app = crate::helpers::spawn_app(crate::helpers::Db::Sqlite)
        .await
        .unwrap();
    let token = app.api_token("admin", ADMIN_PASSWORD).await;
    let r = app.api_get(&token, "/api/v1/guide.docx").await;
    assert_eq!(r.status(), StatusCode::OK);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("guide.docx"), r.bytes().await.unwrap()).unwrap();
    let texts = crate::helpers::pdf_texts(office, dir.path(), &["guide.docx"], false).await;
    // pdftotext may put spaces between characters of different scripts: compare without them.
    let text: String = texts[0].chars().filter(|c| !c.is_whitespace()).collect();
    assert!(text.contains("校地通操作手册"), "the title\n{text}");
    let all = chapters(&app).await;
    for (i, c) in all.iter().enumerate() {
        let heading: String = chapter_heading(i, c)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        assert!(text.contains(&heading), "chapter {heading}\n{text}");
        for s in c.steps() {
            let clause: String = s.clause.chars().filter(|c| !c.is_whitespace()).collect();
            assert!(text.contains(&clause), "{heading}: clause {clause}");
        }
    }
    assert!(text.contains("东莞市教育局"), "the issuer");
}
