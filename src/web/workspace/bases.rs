//! 乡村建设实践基地 (三(一)): name, place, functions, opened date, description and photos; a
//! base is corrected on its edit page (which also takes photos added later and shows the
//! 修改记录), withdrawn when entered by mistake, and a photo removed, each after a confirmation.

use super::{AttachmentLine, Choice, GroupHead, VerdictLine, Workspace};
use crate::AppState;
use crate::domain::ids::{AttachmentOwner, BaseId};
use crate::domain::rules::RuleId;
use crate::exports::Table;
use crate::http::auth::{CsrfForm, Viewer, WebUser};
use crate::http::{AppError, UPLOAD_LIMIT, writer};
use crate::services::ServiceError;
use crate::services::history::{HistoryEntry, RecordKind, record_history};
use crate::services::workspace::bases as services;
use crate::store::bases::{BASE_FUNCTIONS, BaseInput, BaseRow, base_function_label};
use crate::web::forms::{ErrorSummary, saved_notice, saved_redirect};
use crate::web::multipart::read_multipart;
use crate::web::pages::{Chrome, audited_xlsx, non_empty, query_string, render};
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// The form's fields as the errors name them, and their inputs (`id="f-<name>"`).
const FIELDS: &[(&str, &str)] = &[
    ("基地名称", "name"),
    ("所在地", "place"),
    ("揭牌日期", "opened_on"),
    ("基地功能", "functions"),
    ("简介", "description"),
    ("基地照片", "photos"),
];

/// The whole submission's limit, in MB, stated next to each file input.
pub fn upload_limit_mb() -> usize {
    UPLOAD_LIMIT.div_ceil(1024 * 1024)
}

pub struct BaseLine {
    pub id: String,
    pub name: String,
    pub place: String,
    pub functions: String,
    pub opened_on: String,
    pub description: String,
    pub photos: Vec<AttachmentLine>,
    pub backfilled: bool,
}

/// The form as typed, kept when it is shown again with its errors.
#[derive(Default)]
struct Typed {
    name: String,
    place: String,
    functions: Vec<String>,
    opened_on: String,
    description: String,
}

impl Typed {
    fn read(form: &crate::http::multipart::Submitted) -> Self {
        Self {
            name: form.text("name"),
            place: form.text("place"),
            functions: form.all("functions"),
            opened_on: form.text("opened_on"),
            description: form.text("description"),
        }
    }

    fn of(b: &BaseRow) -> Self {
        Self {
            name: b.name.clone(),
            place: b.place_org_id.to_string(),
            functions: b.functions.clone(),
            opened_on: b.opened_on.to_string(),
            description: b.description.clone(),
        }
    }

    fn input(&self) -> BaseInput {
        BaseInput {
            name: self.name.clone(),
            place: self.place.clone(),
            functions: self.functions.clone(),
            opened_on: self.opened_on.clone(),
            description: self.description.clone(),
        }
    }

    /// The group's places (and the base's own, should it no longer be one) and the functions,
    /// with what was typed selected.
    fn choices(&self, ws: &Workspace) -> (Vec<Choice>, Vec<Choice>) {
        let places = ws
            .group()
            .calendar()
            .places_on(ws.today)
            .into_iter()
            .map(|(id, name)| Choice {
                selected: self.place == id.as_str(),
                value: id.to_string(),
                label: name,
            })
            .collect();
        let functions = BASE_FUNCTIONS
            .iter()
            .map(|(code, label)| Choice {
                value: (*code).into(),
                label: (*label).into(),
                selected: self.functions.iter().any(|f| f == code),
            })
            .collect();
        (places, functions)
    }
}

#[derive(Template)]
#[template(path = "pages/bases.html")]
struct BasesPage {
    chrome: Chrome,
    head: GroupHead,
    can_edit: bool,
    verdict: VerdictLine,
    bases: Vec<BaseLine>,
    filter_places: Vec<Choice>,
    filter_functions: Vec<Choice>,
    export_query: String,
    name: String,
    opened_on: String,
    description: String,
    places: Vec<Choice>,
    functions: Vec<Choice>,
    max_mb: u32,
    total_mb: usize,
    summary: Option<ErrorSummary>,
    saved: Option<&'static str>,
}

#[derive(Deserialize, Default)]
pub struct BaseQuery {
    place: Option<String>,
    function: Option<String>,
    saved: Option<String>,
}

impl BaseQuery {
    /// The list's filters, shared by the page and its export.
    fn matches(&self, b: &BaseRow) -> bool {
        non_empty(&self.place).is_none_or(|p| b.place_org_id.as_str() == p)
            && non_empty(&self.function).is_none_or(|f| b.functions.contains(&f))
    }

    fn query(&self) -> String {
        query_string(&[
            ("place", self.place.as_deref()),
            ("function", self.function.as_deref()),
        ])
    }
}

async fn page(
    state: &AppState,
    user: &Viewer,
    ws: &Workspace,
    q: &BaseQuery,
    typed: Typed,
    summary: Option<ErrorSummary>,
) -> Result<BasesPage, AppError> {
    let rows = state.store.list_bases(&ws.group().id).await?;
    let ids: Vec<String> = rows.iter().map(|b| b.id.to_string()).collect();
    let photos = state
        .store
        .list_attachments(AttachmentOwner::Base, &ids)
        .await?;
    let checks = ws.checks(state, ws.today.year()).await?;
    let verdict = checks
        .verdicts
        .get(RuleId::Base)
        .map(|v| VerdictLine::new(&checks.plan, v))
        .ok_or(AppError::NotFound)?;
    let all_places = ws.group().calendar().places_on(ws.today);
    let filter_places = all_places
        .iter()
        .map(|(id, name)| Choice {
            value: id.to_string(),
            label: name.clone(),
            selected: q.place.as_deref() == Some(id.as_str()),
        })
        .collect();
    let filter_functions = BASE_FUNCTIONS
        .iter()
        .map(|(code, label)| Choice {
            value: (*code).into(),
            label: (*label).into(),
            selected: q.function.as_deref() == Some(*code),
        })
        .collect();
    let (places, functions) = typed.choices(ws);
    let bases = rows
        .iter()
        .filter(|b| q.matches(b))
        .map(|b| BaseLine {
            id: b.id.to_string(),
            name: b.name.clone(),
            place: b.place_name.clone(),
            functions: b
                .functions
                .iter()
                .map(|f| base_function_label(f))
                .collect::<Vec<_>>()
                .join("、"),
            opened_on: b.opened_on.to_string(),
            description: b.description.clone(),
            photos: photos
                .iter()
                .filter(|p| p.owner_id == b.id.as_str())
                .map(AttachmentLine::from)
                .collect(),
            backfilled: b.backfilled,
        })
        .collect();
    Ok(BasesPage {
        filter_places,
        filter_functions,
        export_query: q.query(),
        chrome: Chrome::new(user, "groups"),
        head: ws.head("bases"),
        can_edit: ws.can_edit,
        verdict,
        bases,
        places,
        functions,
        name: typed.name,
        opened_on: typed.opened_on,
        description: typed.description,
        max_mb: ws.plan.rules.attachment_max_mb,
        total_mb: upload_limit_mb(),
        summary,
        saved: saved_notice(q.saved.as_deref()),
    })
}

pub async fn list_bases(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
    Query(q): Query<BaseQuery>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    Ok(render(&page(&state, &user, &ws, &q, Typed::default(), None).await?)?.into_response())
}

pub async fn add_base(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    ws.require_edit()?;
    let mut form = read_multipart(multipart, &user.csrf_token).await?;
    let typed = Typed::read(&form);
    let photos = form.take_files("photos");
    let had_files = !photos.is_empty();
    match services::add_base(&writer(&state, &user), &ws, &typed.input(), photos).await {
        Ok(_) => Ok(saved_redirect(
            &format!("/groups/{}/bases", ws.group().id),
            "base_added",
        )),
        Err(ServiceError::Invalid(errors)) => {
            let summary = ErrorSummary::new(&errors, FIELDS).with_files_dropped(had_files);
            let page = page(
                &state,
                &user,
                &ws,
                &BaseQuery::default(),
                typed,
                Some(summary),
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn export_bases(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
    Query(q): Query<BaseQuery>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let rows: Vec<BaseRow> = state
        .store
        .list_bases(&ws.group().id)
        .await?
        .into_iter()
        .filter(|b| q.matches(b))
        .collect();
    let mut photos = super::attachment_names(
        &state,
        AttachmentOwner::Base,
        rows.iter().map(|b| b.id.to_string()).collect(),
    )
    .await?;
    let table = Table {
        sheet: "实践基地".into(),
        headers: vec!["基地名称", "所在地", "功能", "揭牌日期", "简介", "照片"],
        rows: rows
            .into_iter()
            .map(|b| {
                let functions = b
                    .functions
                    .iter()
                    .map(|f| base_function_label(f))
                    .collect::<Vec<_>>()
                    .join("、");
                let photos = photos.remove(b.id.as_str()).unwrap_or_default();
                vec![
                    b.name,
                    ws.group().member_name(&b.place_org_id, &b.place_name),
                    functions,
                    b.opened_on.to_string(),
                    b.description,
                    photos,
                ]
            })
            .collect(),
    };
    let file = format!("第{}组实践基地.xlsx", ws.group().number);
    let group = ws.group().id.to_string();
    audited_xlsx(&state, &user, "practice_base", Some(&group), &file, &table).await
}

/// Which of the edit page's two forms a summary belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum EditForm {
    Fields,
    Photos,
}

#[derive(Template)]
#[template(path = "pages/base_edit.html")]
struct BaseEditPage {
    chrome: Chrome,
    head: GroupHead,
    base_id: String,
    /// The name as recorded (the heading), whatever is typed in the form.
    recorded_name: String,
    name: String,
    opened_on: String,
    description: String,
    places: Vec<Choice>,
    functions: Vec<Choice>,
    photos: Vec<AttachmentLine>,
    max_mb: u32,
    total_mb: usize,
    summary: Option<ErrorSummary>,
    /// The form the summary is about (the other one is shown without it).
    summary_for: EditForm,
    saved: Option<&'static str>,
    history: Vec<HistoryEntry>,
}

impl BaseEditPage {
    fn fields_failed(&self) -> bool {
        self.summary.is_some() && self.summary_for == EditForm::Fields
    }

    fn photos_failed(&self) -> bool {
        self.summary.is_some() && self.summary_for == EditForm::Photos
    }
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    saved: Option<String>,
}

/// The group's base `base` (404 for another group's or none), for a user who may change it.
async fn base_of(state: &AppState, ws: &Workspace, base: &str) -> Result<BaseRow, AppError> {
    let id = BaseId::parse(base).ok_or(AppError::NotFound)?;
    state
        .store
        .get_base(&ws.group().id, &id)
        .await?
        .ok_or(AppError::NotFound)
}

async fn edit_page(
    state: &AppState,
    user: &Viewer,
    ws: &Workspace,
    base: &BaseRow,
    typed: Option<Typed>,
    summary: Option<(ErrorSummary, EditForm)>,
    saved: Option<&'static str>,
) -> Result<BaseEditPage, AppError> {
    let photos = state
        .store
        .list_attachments(AttachmentOwner::Base, &[base.id.to_string()])
        .await?;
    let history =
        record_history(&state.store, ws, RecordKind::PracticeBase, base.id.as_str()).await?;
    let typed = typed.unwrap_or_else(|| Typed::of(base));
    let (mut places, functions) = typed.choices(ws);
    if !places.iter().any(|p| p.value == base.place_org_id.as_str()) {
        // The base's place as recorded, so the form shows it even when it is no longer one of
        // the group's (the check then says so, instead of a silently changed select).
        places.push(Choice {
            selected: typed.place == base.place_org_id.as_str(),
            value: base.place_org_id.to_string(),
            label: base.place_name.clone(),
        });
    }
    let (summary, summary_for) = match summary {
        Some((s, f)) => (Some(s), f),
        None => (None, EditForm::Fields),
    };
    Ok(BaseEditPage {
        chrome: Chrome::new(user, "groups"),
        head: ws.head("bases"),
        base_id: base.id.to_string(),
        recorded_name: base.name.clone(),
        name: typed.name,
        opened_on: typed.opened_on,
        description: typed.description,
        places,
        functions,
        photos: photos.iter().map(AttachmentLine::from).collect(),
        max_mb: ws.plan.rules.attachment_max_mb,
        total_mb: upload_limit_mb(),
        summary,
        summary_for,
        saved,
        history,
    })
}

fn edit_path(ws: &Workspace, base: &str) -> String {
    format!("/groups/{}/bases/{base}/edit", ws.group().id)
}

/// The edit page: correct the base, add photos, remove one, withdraw the base; its 修改记录.
pub async fn edit_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, base)): Path<(String, String)>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    ws.require_edit()?;
    let base = base_of(&state, &ws, &base).await?;
    let saved = saved_notice(q.saved.as_deref());
    let page = edit_page(&state, &user, &ws, &base, None, None, saved).await?;
    Ok(render(&page)?.into_response())
}

pub async fn update_base(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, base)): Path<(String, String)>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    ws.require_edit()?;
    let row = base_of(&state, &ws, &base).await?;
    let form = read_multipart(multipart, &user.csrf_token).await?;
    let typed = Typed::read(&form);
    match services::update_base(&writer(&state, &user), &ws, &base, &typed.input()).await {
        Ok(_) => Ok(saved_redirect(&edit_path(&ws, &base), "base_updated")),
        Err(ServiceError::Invalid(errors)) => {
            let summary = ErrorSummary::new(&errors, FIELDS);
            let summary = Some((summary, EditForm::Fields));
            let page = edit_page(&state, &user, &ws, &row, Some(typed), summary, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// A GET on the photo form's address (a reload after a failed upload) leads to the edit page.
pub async fn photos_page(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, base)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    Ok(Redirect::to(&edit_path(&ws, &base)).into_response())
}

pub async fn add_photos(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, base)): Path<(String, String)>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    ws.require_edit()?;
    let row = base_of(&state, &ws, &base).await?;
    let mut form = read_multipart(multipart, &user.csrf_token).await?;
    let photos = form.take_files("photos");
    let had_files = !photos.is_empty();
    match services::add_base_photos(&writer(&state, &user), &ws, &base, photos).await {
        Ok(()) => Ok(saved_redirect(&edit_path(&ws, &base), "photos_added")),
        Err(ServiceError::Invalid(errors)) => {
            let summary = ErrorSummary::new(&errors, &[("基地照片", "new_photos")])
                .with_files_dropped(had_files);
            let summary = Some((summary, EditForm::Photos));
            let page = edit_page(&state, &user, &ws, &row, None, summary, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// A confirmation before a record (or one of its files) is removed: what goes, what it means.
#[derive(Template)]
#[template(path = "pages/confirm_remove.html")]
pub struct ConfirmRemovePage {
    pub chrome: Chrome,
    pub head: GroupHead,
    pub title: String,
    pub facts: Vec<(&'static str, String)>,
    pub notice: String,
    pub action: String,
    pub button: &'static str,
    pub cancel: String,
}

#[derive(Deserialize)]
pub struct Empty {}

fn base_facts(b: &BaseRow) -> Vec<(&'static str, String)> {
    vec![
        ("基地名称", b.name.clone()),
        ("所在地", b.place_name.clone()),
        (
            "功能",
            b.functions
                .iter()
                .map(|f| base_function_label(f))
                .collect::<Vec<_>>()
                .join("、"),
        ),
        ("揭牌日期", b.opened_on.to_string()),
    ]
}

/// The confirmation page before a base entered by mistake is withdrawn.
pub async fn withdraw_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, base)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    ws.require_edit()?;
    let b = base_of(&state, &ws, &base).await?;
    let photos = state
        .store
        .list_attachments(AttachmentOwner::Base, &[b.id.to_string()])
        .await?;
    let mut facts = base_facts(&b);
    if !photos.is_empty() {
        let names: Vec<&str> = photos.iter().map(|p| p.file_name.as_str()).collect();
        facts.push(("照片", names.join("、")));
    }
    let page = ConfirmRemovePage {
        chrome: Chrome::new(&user, "groups"),
        head: ws.head("bases"),
        title: "撤回实践基地（误录）".into(),
        facts,
        notice: format!(
            "撤回后该基地{}从本组的实践基地中删除，不再计入实践基地规则；撤回操作记入审计日志。基地如已不再使用，请在简介中说明，而不是撤回。",
            if photos.is_empty() {
                ""
            } else {
                "及其照片"
            }
        ),
        action: format!("/groups/{}/bases/{}/withdraw", ws.group().id, b.id),
        button: "确认撤回",
        cancel: edit_path(&ws, b.id.as_str()),
    };
    Ok(render(&page)?.into_response())
}

pub async fn withdraw_base(
    State(state): State<AppState>,
    Path((id, base)): Path<(String, String)>,
    f: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    services::withdraw_base(&writer(&state, &user), &ws, &base).await?;
    Ok(saved_redirect(
        &format!("/groups/{}/bases", ws.group().id),
        "base_withdrawn",
    ))
}

/// The confirmation page before a photo is removed.
pub async fn remove_photo_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, base, photo)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    ws.require_edit()?;
    let b = base_of(&state, &ws, &base).await?;
    let photos = state
        .store
        .list_attachments(AttachmentOwner::Base, &[b.id.to_string()])
        .await?;
    let p = photos
        .iter()
        .find(|p| p.id.as_str() == photo)
        .ok_or(AppError::NotFound)?;
    let line = AttachmentLine::from(p);
    let page = ConfirmRemovePage {
        chrome: Chrome::new(&user, "groups"),
        head: ws.head("bases"),
        title: "删除实践基地照片".into(),
        facts: vec![
            ("基地", b.name.clone()),
            ("照片", line.file_name),
            ("大小", line.size),
            ("上传于", line.uploaded_at),
        ],
        notice: "删除后该照片不再显示，也不能下载；删除操作记入该基地的修改记录。".into(),
        action: format!(
            "/groups/{}/bases/{}/photos/{}/remove",
            ws.group().id,
            b.id,
            p.id
        ),
        button: "确认删除",
        cancel: edit_path(&ws, b.id.as_str()),
    };
    Ok(render(&page)?.into_response())
}

pub async fn remove_photo(
    State(state): State<AppState>,
    Path((id, base, photo)): Path<(String, String, String)>,
    f: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    services::remove_base_photo(&writer(&state, &user), &ws, &base, &photo).await?;
    Ok(saved_redirect(&edit_path(&ws, &base), "photo_removed"))
}
