//! 操作手册 as a docx laid out as a Chinese official document (GB/T 9704-2012's main measures,
//! the same page, fonts and page numbers as the monthly summary): a chapter per role under a
//! `一、` heading in 黑体, its 每月 / 每年 / 随时 sections under `（一）` headings in 楷体, each
//! section's steps as a table with the page and the clause, and the chapter's screenshot.

use crate::domain::guide::{Chapter, Step};
use crate::domain::plan::Plan;
use crate::exports::summary::{
    body, body_spacing, empty_line, heading, official_docx, run, signed, table, title,
};
use docx_rs::{AlignmentType, Docx, Paragraph, Pic, Run, SpecialIndentType};
use jiff::civil::Date;

/// 三号 楷体: the second heading level (`（一）`).
const KAITI: &str = "楷体_GB2312";
const BODY_FONT: &str = "仿宋_GB2312";
const SANHAO: usize = 32;
const SIHAO: usize = 28;

/// A screenshot's width on the page, in millimetres (the text block is 156 mm wide).
const PICTURE_WIDTH_MM: u32 = 150;
/// English Metric Units in a millimetre, as drawings in a docx are measured.
const EMU_PER_MM: u32 = 36_000;

/// The document's title.
pub const GUIDE_TITLE: &str = "校地通操作手册";

const NUMERALS: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

/// `一、市教育局`: a chapter's heading, as the docx writes it (the test reads it back).
pub fn chapter_heading(index: usize, chapter: &Chapter) -> String {
    format!("{}、{}", NUMERALS[index % NUMERALS.len()], chapter.title)
}

fn subheading(text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(run(text, KAITI, SANHAO))
        .line_spacing(body_spacing())
        .indent(None, Some(SpecialIndentType::FirstLine(640)), None, None)
        .keep_next(true)
}

fn caption(text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(run(text, BODY_FONT, SIHAO))
        .align(AlignmentType::Center)
}

/// Width and height of a PNG in pixels (its IHDR chunk), or None for anything else.
pub fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    const SIGNATURE: [u8; 8] = [137, 80, 78, 71, 13, 10, 26, 10];
    if bytes.len() < 24 || bytes[..8] != SIGNATURE || &bytes[12..16] != b"IHDR" {
        return None;
    }
    let w = u32::from_be_bytes(bytes[16..20].try_into().ok()?);
    let h = u32::from_be_bytes(bytes[20..24].try_into().ok()?);
    (w > 0 && h > 0).then_some((w, h))
}

/// A PNG as an inline picture of the given width, its height in proportion.
fn picture(png: Vec<u8>, w: u32, h: u32) -> Paragraph {
    let width = PICTURE_WIDTH_MM * EMU_PER_MM;
    let height = (u64::from(width) * u64::from(h) / u64::from(w)) as u32;
    Paragraph::new()
        .add_run(Run::new().add_image(Pic::new_with_dimensions(png, w, h).size(width, height)))
        .align(AlignmentType::Center)
}

/// Where a step is done: `月度报告（/reports）`.
fn page_of(step: &Step) -> String {
    format!("{}（{}）", step.place, step.path)
}

/// The guide as a docx: the title, how to read it, one chapter per role, the issuer and date.
/// `image` gives a screenshot's PNG by its path under `static/`; a chapter whose screenshot is
/// missing (or not a PNG) is written without it.
pub fn guide_docx(
    plan: &Plan,
    chapters: &[Chapter],
    image: impl Fn(&str) -> Option<Vec<u8>>,
    dated: Date,
) -> anyhow::Result<Vec<u8>> {
    let mut doc: Docx = official_docx()
        .add_paragraph(title(GUIDE_TITLE))
        .add_paragraph(empty_line())
        .add_paragraph(body(&format!(
            "本手册依据《{}》（{}）编写，按角色分章说明在平台上每月、每年和随时要做的工作。\
             每一步写明在哪个页面办理，并注明所依据的方案条款；三类管理员的职责依据网络安全等级保护基本要求\
             （GB/T 22239-2019）第三级，注明其条款。",
            plan.name, plan.doc_no
        )))
        .add_paragraph(body(
            "页面一栏括号中是平台网址后的路径；“{组}”指本单位参与的某个结对组，可从“结对组”或工作台进入。\
             平台每个页面右上角的“帮助”链接到本人角色的一章。",
        ));
    let mut figure = 0;
    for (i, chapter) in chapters.iter().enumerate() {
        doc = doc
            .add_paragraph(heading(&chapter_heading(i, chapter)))
            .add_paragraph(body(&chapter.duty));
        for (j, section) in chapter.sections.iter().enumerate() {
            let rows: Vec<Vec<String>> = section
                .steps
                .iter()
                .enumerate()
                .map(|(k, s)| {
                    vec![
                        (k + 1).to_string(),
                        s.what.clone(),
                        page_of(s),
                        s.clause.to_string(),
                    ]
                })
                .collect();
            doc = doc
                .add_paragraph(subheading(&format!(
                    "（{}）{}",
                    NUMERALS[j % NUMERALS.len()],
                    section.when.label()
                )))
                .add_table(table(
                    &[
                        ("序号", 14.0),
                        ("工作内容", 80.0),
                        ("页面", 42.0),
                        ("条款", 20.0),
                    ],
                    &rows,
                ))
                .add_paragraph(empty_line());
        }
        let shot = &chapter.screenshot;
        if let Some(png) = image(&shot.file)
            && let Some((w, h)) = png_size(&png)
        {
            figure += 1;
            doc = doc
                .add_paragraph(picture(png, w, h))
                .add_paragraph(caption(&format!("图{figure}　{}", shot.caption)))
                .add_paragraph(empty_line());
        }
    }
    signed(doc, &plan.organisations.bureau, dated)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::guide::chapters;
    use crate::domain::plan::DONGGUAN_2023_PLAN;

    /// A 2 × 1 PNG (red, then blue).
    const TINY_PNG: &[u8] = &[
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44,
        0x52, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x7b,
        0x40, 0xe8, 0xdd, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8,
        0xcf, 0x00, 0x04, 0xff, 0x01, 0x07, 0x00, 0x01, 0xff, 0xe2, 0x23, 0x9e, 0x59, 0x00, 0x00,
        0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
    ];

    fn part(zip: &mut zip::ZipArchive<std::io::Cursor<Vec<u8>>>, name: &str) -> String {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut s).unwrap();
        s
    }

    #[test]
    fn a_png_is_measured_and_anything_else_is_not() {
        assert_eq!(png_size(TINY_PNG), Some((2, 1)));
        assert_eq!(png_size(b"GIF89a........................"), None);
        assert_eq!(png_size(&TINY_PNG[..20]), None);
    }

    #[test]
    fn the_docx_is_a4_with_the_standards_margins_a_chapter_per_role_and_its_pictures() {
        let plan = Plan::parse(DONGGUAN_2023_PLAN).unwrap();
        let all = chapters(&plan);
        // Every chapter's picture but the auditor's, each a file of its own (the writer keeps
        // one copy of identical pictures).
        let image = |file: &str| {
            (file != "guide/auditor.png").then(|| [TINY_PNG, file.as_bytes()].concat())
        };
        let bytes = guide_docx(&plan, &all, image, Date::constant(2026, 6, 15)).unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let xml = part(&mut zip, "word/document.xml");
        assert!(xml.contains(r#"w:w="11906""#) && xml.contains(r#"w:h="16838""#));
        // 37, 35, 28, 26 mm in twips.
        for m in [
            r#"w:top="2098""#,
            r#"w:bottom="1984""#,
            r#"w:left="1587""#,
            r#"w:right="1474""#,
        ] {
            assert!(xml.contains(m), "{m}");
        }
        for font in ["方正小标宋简体", "黑体", "楷体_GB2312", "仿宋_GB2312"] {
            assert!(xml.contains(font), "{font}");
        }
        assert!(xml.contains(GUIDE_TITLE));
        for (i, c) in all.iter().enumerate() {
            assert!(xml.contains(&chapter_heading(i, c)), "{}", c.title);
            for s in c.steps() {
                assert!(xml.contains(s.clause), "{}", s.clause);
            }
        }
        assert!(xml.contains("一、市教育局") && xml.contains("八、审计管理员"));
        assert!(xml.contains("（一）每月") && xml.contains("（三）随时"));
        assert!(xml.contains("东莞市教育局") && xml.contains("2026年6月15日"));
        // Seven pictures, numbered; the auditor's chapter has none.
        let media = zip
            .file_names()
            .filter(|n| {
                n.as_ref()
                    .is_ok_and(|n| n.starts_with("word/media/") && n.ends_with(".png"))
            })
            .count();
        assert_eq!(media, 7);
        assert!(xml.contains("图7") && !xml.contains("图8"));
        assert!(xml.contains(&format!("cx=\"{}\"", PICTURE_WIDTH_MM * EMU_PER_MM)));
    }
}
