//! 工作协调小组 (五(一)): the group's tab lists the current delegates by organisation (past ones
//! folded), takes a new one, and exports the list; a delegate's page corrects them (an end date
//! records leaving) with their 修改记录; a mistaken entry is withdrawn on the day it was
//! recorded, after a confirmation page.

use super::{Choice, GroupHead, Workspace};
use crate::AppState;
use crate::domain::coordination::CoordinatorInput;
use crate::domain::team::mask_phone;
use crate::exports::Table;
use crate::http::auth::{CsrfForm, Viewer, WebUser};
use crate::http::{AppError, writer};
use crate::services::ServiceError;
use crate::services::access;
use crate::services::history::{HistoryEntry, RecordKind, record_history};
use crate::services::workspace::coordination as services;
use crate::store::coordination::CoordinatorRow;
use crate::web::forms::{ErrorSummary, saved_notice, saved_redirect};
use crate::web::pages::{Chrome, audited_xlsx, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// The form's fields as the errors name them, and their inputs (`id="f-<name>"`).
const FIELDS: &[(&str, &str)] = &[
    ("姓名", "person_name"),
    ("所在单位", "org_id"),
    ("职务", "post"),
    ("手机号码", "phone"),
    ("起始日期", "from_on"),
    ("结束日期", "to_on"),
];

#[derive(Deserialize, Default, Clone)]
pub struct CoordinatorForm {
    #[serde(default)]
    person_name: String,
    #[serde(default)]
    org_id: String,
    #[serde(default)]
    post: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    from_on: String,
    #[serde(default)]
    to_on: String,
}

impl CoordinatorForm {
    fn input(&self) -> CoordinatorInput {
        CoordinatorInput {
            person_name: self.person_name.clone(),
            org_id: self.org_id.clone(),
            post: self.post.clone(),
            phone: self.phone.clone(),
            from_on: self.from_on.clone(),
            to_on: self.to_on.clone(),
        }
    }

    /// The form for correcting `c`, the phone as the viewer sees it (masked for all but the
    /// bureau and the person's own organisation; the masked number sent back keeps the number).
    fn of(user: &Viewer, c: &CoordinatorRow) -> Self {
        Self {
            person_name: c.person_name.clone(),
            org_id: c.org_id.to_string(),
            post: c.post.clone(),
            phone: if access::sees_full_phone(user, &c.org_id) {
                c.phone.clone()
            } else {
                mask_phone(&c.phone)
            },
            from_on: c.from_on.to_string(),
            to_on: c.to_on.map(|d| d.to_string()).unwrap_or_default(),
        }
    }
}

/// The organisations a user may pick: every member for the bureau, schools and towns; a
/// village user its own village.
fn org_choices(ws: &Workspace, user: &Viewer, selected: &str) -> Vec<Choice> {
    ws.group()
        .members
        .iter()
        .filter(|m| m.active_on(ws.today) || m.org_id.as_str() == selected)
        .filter(|m| services::may_change(user, ws, &m.org_id))
        .fold(Vec::<Choice>::new(), |mut out, m| {
            if !out.iter().any(|c| c.value == m.org_id.as_str()) {
                out.push(Choice {
                    value: m.org_id.to_string(),
                    label: m.name.clone(),
                    selected: m.org_id.as_str() == selected,
                });
            }
            out
        })
}

pub struct PersonLine {
    pub id: String,
    pub name: String,
    pub org: String,
    pub post: String,
    pub phone: String,
    pub from_on: String,
    pub to_on: String,
    /// The viewer may correct (and, the day it was recorded, withdraw) this entry.
    pub can_change: bool,
    pub withdrawable: bool,
    pub backfilled: bool,
}

/// The current delegates of one organisation.
pub struct OrgBlock {
    pub org: String,
    pub people: Vec<PersonLine>,
}

fn line(ws: &Workspace, user: &Viewer, c: &CoordinatorRow) -> PersonLine {
    PersonLine {
        id: c.id.to_string(),
        name: c.person_name.clone(),
        org: c.org_name.clone(),
        post: c.post.clone(),
        phone: if access::sees_full_phone(user, &c.org_id) {
            c.phone.clone()
        } else {
            mask_phone(&c.phone)
        },
        from_on: c.from_on.to_string(),
        to_on: c.to_on.map(|d| d.to_string()).unwrap_or_default(),
        can_change: services::may_change(user, ws, &c.org_id),
        withdrawable: services::withdrawable(ws, c),
        backfilled: c.backfilled,
    }
}

#[derive(Template)]
#[template(path = "pages/coordination.html")]
struct CoordinationPage {
    chrome: Chrome,
    head: GroupHead,
    current: Vec<OrgBlock>,
    current_count: usize,
    past: Vec<PersonLine>,
    can_record: bool,
    form: CoordinatorForm,
    orgs: Vec<Choice>,
    today: String,
    summary: Option<ErrorSummary>,
    saved: Option<&'static str>,
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    saved: Option<String>,
}

fn list_path(ws: &Workspace) -> String {
    format!("/groups/{}/coordination", ws.group().id)
}

async fn list_page(
    state: &AppState,
    user: &Viewer,
    ws: &Workspace,
    form: CoordinatorForm,
    summary: Option<ErrorSummary>,
    saved: Option<&'static str>,
) -> Result<CoordinationPage, AppError> {
    let rows = state.store.list_coordinators(&ws.group().id).await?;
    let mut current: Vec<OrgBlock> = Vec::new();
    let mut past = Vec::new();
    for c in &rows {
        let l = line(ws, user, c);
        if c.active_on(ws.today) || c.from_on > ws.today {
            match current.iter_mut().find(|b| b.org == c.org_name) {
                Some(b) => b.people.push(l),
                None => current.push(OrgBlock {
                    org: c.org_name.clone(),
                    people: vec![l],
                }),
            }
        } else {
            past.push(l);
        }
    }
    Ok(CoordinationPage {
        chrome: Chrome::new(user, "groups"),
        head: ws.head("coordination"),
        current_count: current.iter().map(|b| b.people.len()).sum(),
        current,
        past,
        can_record: services::may_record(user, ws),
        orgs: org_choices(ws, user, &form.org_id),
        form,
        today: ws.today.to_string(),
        summary,
        saved,
    })
}

pub async fn list_coordinators(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let saved = saved_notice(q.saved.as_deref());
    let page = list_page(&state, &user, &ws, CoordinatorForm::default(), None, saved).await?;
    Ok(render(&page)?.into_response())
}

pub async fn add_coordinator(
    State(state): State<AppState>,
    Path(id): Path<String>,
    f: CsrfForm<CoordinatorForm>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    match services::add_coordinator(&writer(&state, &user), &ws, &f.form.input()).await {
        Ok(_) => Ok(saved_redirect(&list_path(&ws), "coordinator_added")),
        Err(ServiceError::Invalid(errors)) => {
            let summary = ErrorSummary::new(&errors, FIELDS);
            let page = list_page(&state, &user, &ws, f.form, Some(summary), None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "pages/coordinator_edit.html")]
struct EditPage {
    chrome: Chrome,
    head: GroupHead,
    person: PersonLine,
    form: CoordinatorForm,
    orgs: Vec<Choice>,
    today: String,
    summary: Option<ErrorSummary>,
    history: Vec<HistoryEntry>,
}

async fn edit_page(
    state: &AppState,
    user: &Viewer,
    ws: &Workspace,
    c: &CoordinatorRow,
    form: CoordinatorForm,
    summary: Option<ErrorSummary>,
) -> Result<EditPage, AppError> {
    let history = record_history(&state.store, ws, RecordKind::Coordinator, c.id.as_str()).await?;
    Ok(EditPage {
        chrome: Chrome::new(user, "groups"),
        head: ws.head("coordination"),
        person: line(ws, user, c),
        orgs: org_choices(ws, user, &form.org_id),
        form,
        today: ws.today.to_string(),
        summary,
        history,
    })
}

/// A delegate's page: the correction form for those who may change it, and its 修改记录.
pub async fn edit_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, person)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let c = services::coordinator(&state.store, &ws, &person).await?;
    let form = CoordinatorForm::of(&user, &c);
    let page = edit_page(&state, &user, &ws, &c, form, None).await?;
    Ok(render(&page)?.into_response())
}

pub async fn update_coordinator(
    State(state): State<AppState>,
    Path((id, person)): Path<(String, String)>,
    f: CsrfForm<CoordinatorForm>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    let c = services::coordinator(&state.store, &ws, &person).await?;
    match services::update_coordinator(&writer(&state, &user), &ws, &person, &f.form.input()).await
    {
        Ok(true) => Ok(saved_redirect(&list_path(&ws), "coordinator_updated")),
        Ok(false) => Ok(saved_redirect(&list_path(&ws), "coordinator_unchanged")),
        Err(ServiceError::Invalid(errors)) => {
            let summary = ErrorSummary::new(&errors, FIELDS);
            let page = edit_page(&state, &user, &ws, &c, f.form, Some(summary)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "pages/coordinator_withdraw.html")]
struct WithdrawPage {
    chrome: Chrome,
    head: GroupHead,
    person: PersonLine,
    /// Why it cannot be withdrawn (recorded on an earlier day), and what to do instead.
    refusal: Option<String>,
}

/// The confirmation page before a mistaken entry is withdrawn.
pub async fn withdraw_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, person)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let c = services::coordinator(&state.store, &ws, &person).await?;
    if !services::may_change(&user, &ws, &c.org_id) {
        return Err(ServiceError::Forbidden.into());
    }
    let refusal = (!services::withdrawable(&ws, &c)).then(|| {
        format!(
            "{} 不是今天登记的，不能撤回；如已不再担任，请更正其记录、填写结束日期。",
            c.person_name
        )
    });
    let page = WithdrawPage {
        chrome: Chrome::new(&user, "groups"),
        head: ws.head("coordination"),
        person: line(&ws, &user, &c),
        refusal,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn withdraw_coordinator(
    State(state): State<AppState>,
    Path((id, person)): Path<(String, String)>,
    f: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    services::withdraw_coordinator(&writer(&state, &user), &ws, &person).await?;
    Ok(saved_redirect(&list_path(&ws), "coordinator_withdrawn"))
}

/// Everyone ever delegated, as xlsx (phones as the viewer sees them).
pub async fn export_coordinators(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let rows = state.store.list_coordinators(&ws.group().id).await?;
    let table = Table {
        sheet: "工作协调小组".into(),
        headers: vec![
            "姓名",
            "所在单位",
            "职务",
            "手机号码",
            "起始日期",
            "结束日期",
            "现任",
        ],
        rows: rows
            .iter()
            .map(|c| {
                let l = line(&ws, &user, c);
                vec![
                    l.name,
                    l.org,
                    l.post,
                    l.phone,
                    l.from_on,
                    l.to_on,
                    if c.active_on(ws.today) { "是" } else { "否" }.to_string(),
                ]
            })
            .collect(),
    };
    let file = format!("第{}组工作协调小组.xlsx", ws.group().number);
    let group = ws.group().id.to_string();
    audited_xlsx(&state, &user, "coordinator", Some(&group), &file, &table).await
}
