//! 典型案例与新闻 (五(四)): the group's tab lists its items with where each stands, and takes a
//! new one as a draft; an item's page shows it as the public will read it, with the correction
//! form, submission and withdrawal for the group's users, and the bureau's publish, return and
//! take-down forms. The bureau's queue (`/cases`) lists every group's items, those waiting for
//! review first. Published items are read without sign-in at `/public/cases`.

use super::bases::{ConfirmRemovePage, Empty};
use super::{AttachmentLine, Choice, GroupHead, VerdictLine, Workspace};
use crate::AppState;
use crate::clock::format_ms;
use crate::domain::case::{CaseInput, CaseKind, CaseState};
use crate::domain::ids::ProjectId;
use crate::domain::plan::{Area, Plan};
use crate::domain::rules::RuleId;
use crate::exports::Table;
use crate::http::auth::{CsrfForm, Viewer, WebUser};
use crate::http::{AppError, writer};
use crate::services::ServiceError;
use crate::services::cases::{self as services, Review};
use crate::services::history::{HistoryEntry, RecordKind, record_history};
use crate::store::cases::CaseRow;
use crate::web::forms::{ErrorSummary, saved_notice, saved_redirect};
use crate::web::multipart::read_multipart;
use crate::web::pages::{Chrome, EXPORT_LIMIT, PER_PAGE, Pager, audited_xlsx, page_offset, render};
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// The form's fields as the errors name them, and their inputs (`id="f-<name>"`).
const FIELDS: &[(&str, &str)] = &[
    ("类别", "kind"),
    ("标题", "title"),
    ("领域", "area"),
    ("摘要", "summary"),
    ("正文", "body"),
    ("关联项目", "projects"),
];

/// The item form as typed (kept when it is shown again with its errors).
#[derive(Deserialize, Default, Clone)]
pub struct CaseForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    area: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    body: String,
    /// The group's projects ticked.
    #[serde(default)]
    projects: Vec<String>,
}

impl CaseForm {
    fn input(&self) -> CaseInput {
        CaseInput {
            kind: self.kind.clone(),
            title: self.title.clone(),
            area: self.area.clone(),
            summary: self.summary.clone(),
            body: self.body.clone(),
            projects: self.projects.clone(),
        }
    }

    fn of(c: &CaseRow) -> Self {
        Self {
            kind: c.kind.as_str().into(),
            title: c.title.clone(),
            area: c.area.map(|a| a.to_string()).unwrap_or_default(),
            summary: c.summary.clone(),
            body: c.body.clone(),
            projects: c.project_ids.iter().map(|p| p.to_string()).collect(),
        }
    }

    /// The group's projects, those named by the form ticked.
    fn projects(&self, all: &[(ProjectId, String)]) -> Vec<Choice> {
        all.iter()
            .map(|(id, title)| Choice {
                value: id.to_string(),
                label: title.clone(),
                selected: self.projects.iter().any(|p| p.trim() == id.as_str()),
            })
            .collect()
    }

    fn kinds(&self) -> Vec<Choice> {
        CaseKind::ALL
            .iter()
            .map(|k| Choice {
                value: k.as_str().into(),
                label: k.label().into(),
                selected: self.kind == k.as_str(),
            })
            .collect()
    }

    fn areas(&self, plan: &Plan) -> Vec<Choice> {
        area_choices(plan, &self.area)
    }
}

fn area_choices(plan: &Plan, chosen: &str) -> Vec<Choice> {
    plan.areas
        .iter()
        .map(|a| Choice {
            value: a.number.to_string(),
            label: a.name.clone(),
            selected: chosen == a.number.to_string(),
        })
        .collect()
}

/// An item as a line of a list or the facts of its page.
pub struct CaseLine {
    pub id: String,
    pub group_id: String,
    pub group: String,
    pub kind: &'static str,
    pub title: String,
    pub area: String,
    pub summary: String,
    /// Cleaned HTML (shown as it is).
    pub body: String,
    pub state: &'static str,
    pub state_label: &'static str,
    /// The badge's class.
    pub badge: &'static str,
    pub review_comment: String,
    pub written_by: String,
    pub submitted_at: String,
    pub reviewed: String,
    pub published_on: String,
    pub updated_at: String,
    /// The version (`updated_at`, ms) the page shows, for the publish form.
    pub version: i64,
}

impl CaseLine {
    fn new(c: &CaseRow, areas: &[Area]) -> Self {
        Self {
            id: c.id.to_string(),
            group_id: c.group_id.to_string(),
            group: format!("第 {} 组（{}）", c.group_number, c.lead_town),
            kind: c.kind.label(),
            title: c.title.clone(),
            area: area_name(areas, c.area),
            summary: c.summary.clone(),
            body: c.body.clone(),
            state: c.state.as_str(),
            state_label: c.state.label(),
            badge: match c.state {
                CaseState::Draft => "not_applicable",
                CaseState::Submitted => "warn",
                CaseState::Returned => "not_met",
                CaseState::Published => "met",
                CaseState::Unpublished => "not_yet_due",
            },
            review_comment: c.review_comment.clone().unwrap_or_default(),
            written_by: format!("{} · {}", c.written_by_org, c.written_by_name),
            submitted_at: c.submitted_at.map(format_ms).unwrap_or_default(),
            reviewed: match (c.reviewed_at, &c.reviewed_by_name) {
                (Some(at), Some(n)) => format!("{} · {n}", format_ms(at)),
                (Some(at), None) => format_ms(at),
                _ => String::new(),
            },
            published_on: c.published_on.map(|d| d.to_string()).unwrap_or_default(),
            updated_at: format_ms(c.updated_at),
            version: c.updated_at,
        }
    }
}

/// The area's name in the plan, or nothing.
pub fn area_name(areas: &[Area], area: Option<u8>) -> String {
    area.and_then(|n| areas.iter().find(|a| a.number == n))
        .map(|a| a.name.clone())
        .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "pages/cases.html")]
struct CasesPage {
    chrome: Chrome,
    head: GroupHead,
    verdict: VerdictLine,
    cases: Vec<CaseLine>,
    can_write: bool,
    form: CaseForm,
    kinds: Vec<Choice>,
    areas: Vec<Choice>,
    projects: Vec<Choice>,
    summary: Option<ErrorSummary>,
    saved: Option<&'static str>,
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    saved: Option<String>,
}

fn list_path(ws: &Workspace) -> String {
    format!("/groups/{}/cases", ws.group().id)
}

fn case_path(ws: &Workspace, c: &str) -> String {
    format!("/groups/{}/cases/{c}", ws.group().id)
}

async fn list_page(
    state: &AppState,
    user: &Viewer,
    ws: &Workspace,
    form: CaseForm,
    summary: Option<ErrorSummary>,
    saved: Option<&'static str>,
) -> Result<CasesPage, AppError> {
    let rows = services::group_cases(&state.store, ws, user).await?;
    let checks = ws.checks(state, ws.today.year()).await?;
    let verdict = checks
        .verdicts
        .get(RuleId::Publicity)
        .map(|v| VerdictLine::new(&checks.plan, v))
        .ok_or(AppError::NotFound)?;
    Ok(CasesPage {
        chrome: Chrome::new(user, "groups"),
        head: ws.head("cases"),
        verdict,
        cases: rows
            .iter()
            .map(|c| CaseLine::new(c, &ws.plan.areas))
            .collect(),
        can_write: services::may_write(ws, user),
        kinds: form.kinds(),
        areas: form.areas(&ws.plan),
        projects: form.projects(&state.store.project_titles(&ws.group().id).await?),
        form,
        summary,
        saved,
    })
}

pub async fn list_cases(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let saved = saved_notice(q.saved.as_deref());
    let page = list_page(&state, &user, &ws, CaseForm::default(), None, saved).await?;
    Ok(render(&page)?.into_response())
}

pub async fn add_case(
    State(state): State<AppState>,
    Path(id): Path<String>,
    f: CsrfForm<CaseForm>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    match services::add_case(&writer(&state, &user), &ws, &f.form.input()).await {
        Ok(c) => Ok(saved_redirect(&case_path(&ws, c.as_str()), "case_added")),
        Err(ServiceError::Invalid(errors)) => {
            let summary = ErrorSummary::new(&errors, FIELDS);
            let page = list_page(&state, &user, &ws, f.form, Some(summary), None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "pages/case.html")]
struct CasePage {
    chrome: Chrome,
    head: GroupHead,
    case: CaseLine,
    /// The group's users may correct and submit it now.
    can_change: bool,
    /// …and withdraw it (never published).
    can_withdraw: bool,
    /// The bureau, and what it may do now.
    may_publish: bool,
    may_unpublish: bool,
    form: CaseForm,
    kinds: Vec<Choice>,
    areas: Vec<Choice>,
    projects: Vec<Choice>,
    /// The titles of the projects it names.
    linked: Vec<String>,
    comment: String,
    summary: Option<ErrorSummary>,
    /// Which form the summary belongs to: "edit" or "return".
    summary_for: &'static str,
    saved: Option<&'static str>,
    history: Vec<HistoryEntry>,
    /// The body's images, with the address the body uses for each.
    images: Vec<(AttachmentLine, String)>,
    max_mb: u32,
}

impl CasePage {
    fn images_failed(&self) -> bool {
        self.summary.is_some() && self.summary_for == "images"
    }

    fn edit_failed(&self) -> bool {
        self.summary.is_some() && self.summary_for == "edit"
    }

    fn return_failed(&self) -> bool {
        self.summary.is_some() && self.summary_for == "return"
    }
}

struct Typed {
    form: Option<CaseForm>,
    comment: Option<String>,
    summary: Option<(ErrorSummary, &'static str)>,
}

impl Typed {
    fn none() -> Self {
        Self {
            form: None,
            comment: None,
            summary: None,
        }
    }
}

async fn case_page(
    state: &AppState,
    user: &Viewer,
    ws: &Workspace,
    c: &CaseRow,
    typed: Typed,
    saved: Option<&'static str>,
) -> Result<CasePage, AppError> {
    let history = record_history(&state.store, ws, RecordKind::Case, c.id.as_str()).await?;
    let all_projects = state.store.project_titles(&ws.group().id).await?;
    let form = typed.form.unwrap_or_else(|| CaseForm::of(c));
    let (summary, summary_for) = match typed.summary {
        Some((s, f)) => (Some(s), f),
        None => (None, "edit"),
    };
    let reviewer = crate::services::access::require_case_reviewer(user).is_ok();
    let images = services::case_images(&state.store, c)
        .await?
        .iter()
        .map(|a| (AttachmentLine::from(a), services::image_src(&c.id, &a.id)))
        .collect();
    Ok(CasePage {
        chrome: Chrome::new(user, if reviewer { "cases" } else { "groups" }),
        head: ws.head("cases"),
        case: CaseLine::new(c, &ws.plan.areas),
        can_change: services::may_change(ws, user, c) && c.state.editable(),
        can_withdraw: services::may_change(ws, user, c)
            && matches!(c.state, CaseState::Draft | CaseState::Returned)
            && c.published_at.is_none(),
        may_publish: reviewer && c.state == CaseState::Submitted,
        may_unpublish: reviewer && c.state == CaseState::Published,
        kinds: form.kinds(),
        areas: form.areas(&ws.plan),
        linked: all_projects
            .iter()
            .filter(|(id, _)| c.project_ids.contains(id))
            .map(|(_, t)| t.clone())
            .collect(),
        projects: form.projects(&all_projects),
        form,
        comment: typed.comment.unwrap_or_default(),
        summary,
        summary_for,
        saved,
        history,
        images,
        max_mb: ws.plan.rules.attachment_max_mb,
    })
}

/// The item's page: as the public will read it, where it stands, the forms the viewer may use,
/// its 修改记录.
pub async fn get_case(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, case)): Path<(String, String)>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let c = services::group_case(&state.store, &ws, &user, &case).await?;
    let saved = saved_notice(q.saved.as_deref());
    let page = case_page(&state, &user, &ws, &c, Typed::none(), saved).await?;
    Ok(render(&page)?.into_response())
}

pub async fn update_case(
    State(state): State<AppState>,
    Path((id, case)): Path<(String, String)>,
    f: CsrfForm<CaseForm>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    let c = services::group_case(&state.store, &ws, &user, &case).await?;
    let w = writer(&state, &user);
    let summary = match services::update_case(&w, &ws, &case, &f.form.input()).await {
        Ok(true) => return Ok(saved_redirect(&case_path(&ws, &case), "case_updated")),
        Ok(false) => return Ok(saved_redirect(&case_path(&ws, &case), "case_unchanged")),
        Err(ServiceError::Invalid(e)) => ErrorSummary::new(&e, FIELDS),
        Err(ServiceError::Conflict(msg)) => ErrorSummary::message(msg),
        Err(e) => return Err(e.into()),
    };
    let typed = Typed {
        form: Some(f.form),
        comment: None,
        summary: Some((summary, "edit")),
    };
    let page = case_page(&state, &user, &ws, &c, typed, None).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

pub async fn submit_case(
    State(state): State<AppState>,
    Path((id, case)): Path<(String, String)>,
    f: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    services::submit_case(&writer(&state, &user), &ws, &case).await?;
    Ok(saved_redirect(&case_path(&ws, &case), "case_submitted"))
}

/// A GET on an address that only takes a form (a reload) leads to the item's page.
pub async fn back_to_case(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, case)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    Ok(Redirect::to(&case_path(&ws, &case)).into_response())
}

/// The confirmation page before an item is withdrawn.
pub async fn withdraw_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, case)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let c = services::group_case(&state.store, &ws, &user, &case).await?;
    if !services::may_change(&ws, &user, &c) {
        return Err(AppError::Forbidden);
    }
    let line = CaseLine::new(&c, &ws.plan.areas);
    let page = ConfirmRemovePage {
        chrome: Chrome::new(&user, "groups"),
        head: ws.head("cases"),
        title: format!("撤回{}", line.kind),
        facts: vec![
            ("标题", line.title),
            ("类别", line.kind.into()),
            ("状态", line.state_label.into()),
            ("撰写", line.written_by),
        ],
        notice: "撤回后该稿件从本组的典型案例与新闻中删除；撤回操作记入审计日志。只有从未发布过的草稿或退回修改的稿件可以撤回。如只是内容有误，请返回修改。".into(),
        action: format!("{}/withdraw", case_path(&ws, c.id.as_str())),
        button: "确认撤回",
        cancel: case_path(&ws, c.id.as_str()),
    };
    Ok(render(&page)?.into_response())
}

pub async fn withdraw_case(
    State(state): State<AppState>,
    Path((id, case)): Path<(String, String)>,
    f: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    services::withdraw_case(&writer(&state, &user), &ws, &case).await?;
    Ok(saved_redirect(&list_path(&ws), "case_withdrawn"))
}

/// Uploads images for the item's body (the writing organisation, while it may correct it); the
/// page then lists each with the address to put in the body.
pub async fn add_images(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, case)): Path<(String, String)>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let c = services::group_case(&state.store, &ws, &user, &case).await?;
    if !services::may_change(&ws, &user, &c) {
        return Err(AppError::Forbidden);
    }
    let mut form = read_multipart(multipart, &user.csrf_token).await?;
    let images = form.take_files("images");
    let had = !images.is_empty();
    let summary = match services::add_images(&writer(&state, &user), &ws, &case, images).await {
        Ok(_) => return Ok(saved_redirect(&case_path(&ws, &case), "case_images_added")),
        Err(ServiceError::Invalid(e)) => {
            ErrorSummary::new(&e, &[("图片", "images")]).with_files_dropped(had)
        }
        Err(ServiceError::Conflict(msg)) => ErrorSummary::message(msg),
        Err(e) => return Err(e.into()),
    };
    let typed = Typed {
        form: None,
        comment: None,
        summary: Some((summary, "images")),
    };
    let page = case_page(&state, &user, &ws, &c, typed, None).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

/// The confirmation page before an image of the item is removed.
pub async fn remove_image_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, case, image)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let c = services::group_case(&state.store, &ws, &user, &case).await?;
    if !services::may_change(&ws, &user, &c) {
        return Err(AppError::Forbidden);
    }
    let images = services::case_images(&state.store, &c).await?;
    let f = images
        .iter()
        .find(|f| f.id.as_str() == image)
        .ok_or(AppError::NotFound)?;
    let page = ConfirmRemovePage {
        chrome: Chrome::new(&user, "groups"),
        head: ws.head("cases"),
        title: "删除正文图片".into(),
        facts: vec![("稿件", c.title.clone()), ("图片", f.file_name.clone())],
        notice: "确定删除这张图片？正文中引用它的位置将不再显示图片，请同时修改正文。删除记入该稿件的修改记录。".into(),
        action: format!("{}/images/{}/remove", case_path(&ws, &case), f.id),
        button: "确认删除",
        cancel: case_path(&ws, &case),
    };
    Ok(render(&page)?.into_response())
}

pub async fn remove_image(
    State(state): State<AppState>,
    Path((id, case, image)): Path<(String, String, String)>,
    f: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    services::remove_image(&writer(&state, &user), &ws, &case, &image).await?;
    Ok(saved_redirect(&case_path(&ws, &case), "case_image_removed"))
}

#[derive(Deserialize, Default)]
pub struct PublishForm {
    /// The version the page showed.
    #[serde(default)]
    version: String,
}

pub async fn publish_case(
    State(state): State<AppState>,
    Path((id, case)): Path<(String, String)>,
    f: CsrfForm<PublishForm>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    let seen = f.form.version.trim().parse::<i64>().ok();
    services::review_case(&writer(&state, &user), &ws, &case, Review::Publish(seen)).await?;
    Ok(saved_redirect(&case_path(&ws, &case), "case_published"))
}

/// The confirmation page before a published item is taken down (the bureau).
pub async fn unpublish_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, case)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let c = services::group_case(&state.store, &ws, &user, &case).await?;
    crate::services::access::require_case_reviewer(&user)?;
    if c.state != CaseState::Published {
        return Ok(Redirect::to(&case_path(&ws, &case)).into_response());
    }
    let line = CaseLine::new(&c, &ws.plan.areas);
    let page = ConfirmRemovePage {
        chrome: Chrome::new(&user, "cases"),
        head: ws.head("cases"),
        title: format!("撤下{}", line.kind),
        facts: vec![
            ("标题", line.title),
            ("结对组", line.group),
            ("发布日期", line.published_on),
        ],
        notice: "撤下后公开的典型案例库立即不再显示该稿件，它不再计入本组的宣传推广篇数；稿件和修改记录保留，撰写单位可修改后重新提交审核。".into(),
        action: format!("{}/unpublish", case_path(&ws, c.id.as_str())),
        button: "确认撤下",
        cancel: case_path(&ws, c.id.as_str()),
    };
    Ok(render(&page)?.into_response())
}

pub async fn unpublish_case(
    State(state): State<AppState>,
    Path((id, case)): Path<(String, String)>,
    f: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    services::review_case(&writer(&state, &user), &ws, &case, Review::Unpublish).await?;
    Ok(saved_redirect(&case_path(&ws, &case), "case_unpublished"))
}

#[derive(Deserialize, Default)]
pub struct ReturnForm {
    #[serde(default)]
    comment: String,
}

pub async fn return_case(
    State(state): State<AppState>,
    Path((id, case)): Path<(String, String)>,
    f: CsrfForm<ReturnForm>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    let c = services::group_case(&state.store, &ws, &user, &case).await?;
    let r = Review::Return(&f.form.comment);
    match services::review_case(&writer(&state, &user), &ws, &case, r).await {
        Ok(()) => Ok(saved_redirect(&case_path(&ws, &case), "case_returned")),
        Err(ServiceError::Invalid(e)) => {
            let typed = Typed {
                form: None,
                comment: Some(f.form.comment),
                summary: Some((ErrorSummary::new(&e, &[("退回意见", "comment")]), "return")),
            };
            let page = case_page(&state, &user, &ws, &c, typed, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "pages/case_queue.html")]
struct QueuePage {
    chrome: Chrome,
    cases: Vec<CaseLine>,
    states: Vec<Choice>,
    waiting_total: i64,
    pager: Pager,
}

impl QueuePage {
    /// The state filtered on, for the export link.
    fn pager_state(&self) -> Option<&str> {
        self.states
            .iter()
            .find(|s| s.selected)
            .map(|s| s.value.as_str())
    }
}

#[derive(Deserialize)]
pub struct QueueQuery {
    state: Option<String>,
    page: Option<String>,
}

/// The state chosen in the queue's filter (drafts are never listed), or none.
fn queue_state(s: Option<&str>) -> Option<CaseState> {
    s.and_then(CaseState::parse)
        .filter(|s| *s != CaseState::Draft)
}

/// The bureau's queue (HQ reads it too): every group's items sent for review, those waiting
/// first, a page at a time.
pub async fn case_queue(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Query(q): Query<QueueQuery>,
) -> Result<Response, AppError> {
    let (page_no, offset) = page_offset(q.page.as_deref());
    let only = queue_state(q.state.as_deref());
    let (rows, total, waiting_total) =
        services::case_queue(&state.store, &user, only, PER_PAGE, offset).await?;
    let plan = state.plans.current(&state.store).await?;
    let areas = plan.as_ref().map_or(&[][..], |(_, p)| p.areas.as_slice());
    let page = QueuePage {
        chrome: Chrome::new(&user, "cases"),
        cases: rows.iter().map(|c| CaseLine::new(c, areas)).collect(),
        states: CaseState::ALL[1..]
            .iter()
            .map(|s| Choice {
                value: s.as_str().into(),
                label: s.label().into(),
                selected: only == Some(*s),
            })
            .collect(),
        waiting_total,
        pager: Pager::new(
            "/cases",
            &[("state", only.map(|s| s.as_str()))],
            page_no,
            total,
        ),
    };
    Ok(render(&page)?.into_response())
}

/// The columns of an items export.
fn cases_table(rows: &[CaseRow], areas: &[Area]) -> Table {
    Table {
        sheet: "典型案例与新闻".into(),
        headers: vec![
            "结对组",
            "类别",
            "标题",
            "领域",
            "摘要",
            "状态",
            "撰写",
            "提交审核时间",
            "审核",
            "发布日期",
            "退回意见",
        ],
        rows: rows
            .iter()
            .map(|c| {
                let l = CaseLine::new(c, areas);
                vec![
                    l.group,
                    l.kind.into(),
                    l.title,
                    l.area,
                    l.summary,
                    l.state_label.into(),
                    l.written_by,
                    l.submitted_at,
                    l.reviewed,
                    l.published_on,
                    l.review_comment,
                ]
            })
            .collect(),
    }
}

/// The group's items as xlsx (everyone who sees the group).
pub async fn export_cases(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let rows = services::group_cases(&state.store, &ws, &user).await?;
    let file = format!("第{}组典型案例与新闻.xlsx", ws.group().number);
    let group = ws.group().id.to_string();
    audited_xlsx(
        &state,
        &user,
        "case",
        Some(&group),
        &file,
        &cases_table(&rows, &ws.plan.areas),
    )
    .await
}

/// The bureau's whole queue as xlsx, in its order, every page at once (the state filter kept).
pub async fn export_case_queue(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Query(q): Query<QueueQuery>,
) -> Result<Response, AppError> {
    let only = queue_state(q.state.as_deref());
    let (rows, _, _) = services::case_queue(&state.store, &user, only, EXPORT_LIMIT, 0).await?;
    let plan = state.plans.current(&state.store).await?;
    let areas = plan.as_ref().map_or(&[][..], |(_, p)| p.areas.as_slice());
    audited_xlsx(
        &state,
        &user,
        "case",
        None,
        "典型案例与新闻汇总.xlsx",
        &cases_table(&rows, areas),
    )
    .await
}
