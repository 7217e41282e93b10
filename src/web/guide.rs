//! 操作手册 pages: the index of chapters (the reader's own first), one role's chapter, and the
//! whole guide as a docx. Any signed-in user reads every chapter: it is a manual, not records.

use super::pages::{Chrome, DOCX_TYPE, file_response, render};
use crate::AppState;
use crate::domain::guide::{Chapter, GROUP_SLOT};
use crate::http::AppError;
use crate::http::auth::WebUser;
use crate::services::guide;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

/// A step as the page shows it: the page's address is a link when the reader can open it as
/// it stands (their own chapter, no group to choose first).
pub struct StepLine {
    pub number: usize,
    pub what: String,
    pub place: &'static str,
    pub path: String,
    pub link: bool,
    pub clause: &'static str,
}

pub struct SectionView {
    pub label: &'static str,
    pub steps: Vec<StepLine>,
}

pub struct ChapterLink {
    pub href: String,
    pub title: &'static str,
    pub duty: String,
    pub own: bool,
}

#[derive(Template)]
#[template(path = "pages/guide.html")]
struct GuidePage {
    chrome: Chrome,
    plan_name: String,
    doc_no: String,
    chapters: Vec<ChapterLink>,
}

#[derive(Template)]
#[template(path = "pages/guide_chapter.html")]
struct ChapterPage {
    chrome: Chrome,
    title: &'static str,
    duty: String,
    own: bool,
    sections: Vec<SectionView>,
    image: String,
    caption: &'static str,
    group_slot: &'static str,
}

/// GET /guide: every chapter, the reader's own first and marked.
pub async fn get_guide(
    State(state): State<AppState>,
    WebUser(user): WebUser,
) -> Result<Response, AppError> {
    let plan = guide::plan(&state.store, &state.plans, state.clock.today()).await?;
    let page = GuidePage {
        chrome: Chrome::new(&user, "guide"),
        plan_name: plan.name.clone(),
        doc_no: plan.doc_no.clone(),
        chapters: guide::chapters(&plan, &user)
            .into_iter()
            .map(|c| ChapterLink {
                href: c.href(),
                title: c.title,
                own: c.role == user.role,
                duty: c.duty,
            })
            .collect(),
    };
    Ok(render(&page)?.into_response())
}

/// GET /guide/{role}: one role's chapter; 404 for no such role.
pub async fn get_chapter(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(role): Path<String>,
) -> Result<Response, AppError> {
    let plan = guide::plan(&state.store, &state.plans, state.clock.today()).await?;
    let chapter: Chapter = guide::chapter(&plan, &role)?;
    let own = chapter.role == user.role;
    let page = ChapterPage {
        chrome: Chrome::new(&user, "guide"),
        title: chapter.title,
        own,
        sections: chapter
            .sections
            .iter()
            .map(|s| SectionView {
                label: s.when.label(),
                steps: s
                    .steps
                    .iter()
                    .enumerate()
                    .map(|(i, st)| StepLine {
                        number: i + 1,
                        what: st.what.clone(),
                        place: st.place,
                        path: st.path.to_string(),
                        link: own && st.is_direct(),
                        clause: st.clause,
                    })
                    .collect(),
            })
            .collect(),
        image: format!("/static/{}", chapter.screenshot.file),
        caption: chapter.screenshot.caption,
        duty: chapter.duty,
        group_slot: GROUP_SLOT,
    };
    Ok(render(&page)?.into_response())
}

/// GET /guide.docx: the whole guide in the official layout.
pub async fn guide_docx(
    State(state): State<AppState>,
    WebUser(_user): WebUser,
) -> Result<Response, AppError> {
    let today = state.clock.today();
    let plan = guide::plan(&state.store, &state.plans, today).await?;
    let bytes = guide::docx(&plan, today)?;
    Ok(file_response(
        DOCX_TYPE,
        "guide.docx",
        guide::GUIDE_DOCX_NAME,
        bytes,
    ))
}
